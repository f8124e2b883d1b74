/**
 * MCP overhead: how long the real reference servers (dev dependencies) take to start and list their tools, and the
 * round trip of one tool call through Inflow's tool path (validation, SDK, result to text), over stdio and over
 * streamable HTTP on 127.0.0.1. Prints figures; asserts nothing. Run: npm run bench:mcp
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { McpManager } from '../electron/core/mcp/mcp-manager.ts';
import type { Tool } from '../electron/core/tools/tool.ts';

const packages = path.resolve(import.meta.dirname, '../node_modules/@modelcontextprotocol');
const everything = path.join(packages, 'server-everything/dist/index.js');
const filesystem = path.join(packages, 'server-filesystem/dist/index.js');
const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'inflow-bench-mcp-'));
fs.writeFileSync(path.join(folder, 'a.txt'), 'hello\n'.repeat(100));
const signal = new AbortController().signal;

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `median ${at(0.5).toFixed(2)} ms  p95 ${at(0.95).toFixed(2)} ms  (n=${samples.length})`;
}

async function startups(name: string, entry: Record<string, unknown>, runs: number): Promise<void> {
  const samples: number[] = [];
  for (let index = 0; index < runs; index += 1) {
    const manager = new McpManager({ configFile: path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'inflow-bench-mcp-')), 'mcp.json') });
    manager.config.add(name, entry);
    const started = performance.now();
    const { tools } = await manager.tools({ signal });
    samples.push(performance.now() - started);
    if (index === 0) console.log(`${name}: ${tools.length} tools`);
    await manager.closeAll();
  }
  console.log(`${`${name} (stdio)`.padEnd(22)} start + initialize + tools/list  ${summary(samples)}`);
}

async function calls(label: string, tool: Tool, input: Record<string, unknown>, count: number): Promise<void> {
  const samples: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const started = performance.now();
    await tool.execute(tool.validate(input), { signal });
    samples.push(performance.now() - started);
  }
  console.log(`${label.padEnd(22)} call round trip               ${summary(samples)}`);
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

await startups('everything', { command: process.execPath, args: [everything, 'stdio'] }, 5);
await startups('filesystem', { command: process.execPath, args: [filesystem, folder] }, 5);

const port = await freePort();
const http = spawn(process.execPath, [everything, 'streamableHttp'], {
  env: { ...process.env, PORT: String(port) },
  stdio: ['ignore', 'ignore', 'pipe'],
});
await new Promise<void>((resolve) =>
  http.stderr.on('data', (chunk: Buffer) => {
    if (chunk.toString().includes('listening')) resolve();
  }),
);
const manager = new McpManager({ configFile: path.join(folder, 'mcp.json') });
manager.config.add('everything', { command: process.execPath, args: [everything, 'stdio'] });
manager.config.add('files', { command: process.execPath, args: [filesystem, folder] });
manager.config.add('remote', { url: `http://127.0.0.1:${port}/mcp` });
const { tools } = await manager.tools({ signal });
const byName = (name: string) => tools.find((tool) => tool.name === name)!;
await calls('everything__get_sum', byName('everything__get_sum'), { a: 1, b: 2 }, 300);
await calls('files__read_text_file', byName('files__read_text_file'), { path: path.join(folder, 'a.txt') }, 300);
await calls('remote__echo (HTTP)', byName('remote__echo'), { message: 'hi' }, 300);
await manager.closeAll();
http.kill();
fs.rmSync(folder, { recursive: true, force: true });
