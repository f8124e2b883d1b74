/** MCP servers as agent tools: config, connections, tool cards, approval. */
export { trackedServerProcesses } from './child-registry.ts';
export { McpConfigStore, type McpConfigSnapshot } from './mcp-config-store.ts';
export {
  checkServerName,
  isAskFirst,
  isToolEnabled,
  mcpDefaults,
  parseServerEntry,
  type McpServerConfig,
  type McpServerConfigError,
  type McpServerSettings,
} from './mcp-config.ts';
export { McpConnection, type McpConnectionOptions, type McpToolDefinition } from './mcp-connection.ts';
export { McpManager, type McpManagerOptions, type McpServerProblem, type McpServerStatus, type McpToolInfo, type McpToolSet } from './mcp-manager.ts';
export { createMcpTool, type McpToolOptions } from './mcp-tool.ts';
export { createTerminalApprover, type ApproveToolCall, type TerminalApproverOptions, type ToolCallApprovalRequest } from './terminal-approver.ts';
export { mcpToolName } from './tool-naming.ts';
