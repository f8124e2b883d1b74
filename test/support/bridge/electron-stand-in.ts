import { EventEmitter } from 'node:events';

/**
 * A recording stand-in for the parts of Electron's main-process API that electron/main uses, so the shell's
 * wiring (handlers, sender checks, window options, navigation rules, quit) can run under plain Node where
 * Electron cannot start. It implements no behaviour of its own: it records what main asks for.
 */
export const recorded = {
  handlers: new Map<string, (event: unknown, input: unknown) => Promise<unknown>>(),
  windows: [] as StandInWindow[],
  schemes: [] as unknown[],
  protocolHandlers: new Map<string, (request: Request) => Promise<Response>>(),
  opened: [] as string[],
  errorBoxes: [] as Array<[string, string]>,
  exitCodes: [] as number[],
  menus: 0,
  /** Open dialogs main showed: the parent window (null when none) and the options. */
  openDialogs: [] as Array<{ window: unknown; options: Record<string, unknown> }>,
  /** What the next open dialogs answer, in order (a test pre-sets them); cancelled when none is left. */
  dialogAnswers: [] as Array<{ canceled: boolean; filePaths: string[] }>,
  contentsHandlers: [] as Array<(event: unknown, contents: StandInContents) => void>,
};

let nextId = 1;

export class StandInContents extends EventEmitter {
  readonly id = nextId++;
  readonly sent: Array<[string, unknown]> = [];
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  permissionHandler: ((contents: unknown, permission: string, callback: (allow: boolean) => void) => void) | null = null;
  readonly mainFrame = { processId: 7, routingId: 1, url: 'app://inflow/index.html' };
  readonly session = {
    setPermissionRequestHandler: (handler: StandInContents['permissionHandler']) => {
      this.permissionHandler = handler;
    },
  };
  send(channel: string, payload: unknown): void {
    this.sent.push([channel, payload]);
  }
  setWindowOpenHandler(handler: StandInContents['windowOpenHandler']): void {
    this.windowOpenHandler = handler;
  }
}

export class StandInWindow extends EventEmitter {
  static getAllWindows(): StandInWindow[] {
    return recorded.windows;
  }
  readonly options: Record<string, unknown>;
  readonly webContents = new StandInContents();
  loadedUrl: string | null = null;
  constructor(options: Record<string, unknown>) {
    super();
    this.options = options;
    recorded.windows.push(this);
    for (const handler of recorded.contentsHandlers) handler({}, this.webContents);
  }
  isDestroyed(): boolean {
    return false;
  }
  isMinimized(): boolean {
    return false;
  }
  restore(): void {}
  focus(): void {}
  show(): void {}
  async loadURL(url: string): Promise<void> {
    this.loadedUrl = url;
  }
}

class StandInApp extends EventEmitter {
  name = 'Inflow';
  private readyResolve: () => void = () => undefined;
  private readonly ready = new Promise<void>((resolve) => {
    this.readyResolve = resolve;
  });
  whenReady(): Promise<void> {
    return this.ready;
  }
  markReady(): void {
    this.readyResolve();
  }
  /** INFLOW_STANDIN_SECOND_INSTANCE=1 plays a second instance (another one holds the lock). */
  requestSingleInstanceLock(): boolean {
    return process.env.INFLOW_STANDIN_SECOND_INSTANCE !== '1';
  }
  /** INFLOW_STANDIN_PACKAGED=1 plays an installed app. */
  get isPackaged(): boolean {
    return process.env.INFLOW_STANDIN_PACKAGED === '1';
  }
  quit(): void {
    this.emit('before-quit', { preventDefault: () => undefined });
  }
  exit(code = 0): void {
    recorded.exitCodes.push(code);
  }
  override on(event: string, listener: (...args: never[]) => void): this {
    if (event === 'web-contents-created') recorded.contentsHandlers.push(listener as never);
    return super.on(event, listener as (...args: unknown[]) => void);
  }
}

export const app = new StandInApp();
export const BrowserWindow = StandInWindow;
export const ipcMain = {
  handle: (channel: string, handler: (event: unknown, input: unknown) => Promise<unknown>) => {
    recorded.handlers.set(channel, handler);
  },
  removeHandler: (channel: string) => {
    recorded.handlers.delete(channel);
  },
};
export const protocol = {
  registerSchemesAsPrivileged: (schemes: unknown[]) => {
    recorded.schemes.push(...schemes);
  },
  handle: (scheme: string, handler: (request: Request) => Promise<Response>) => {
    recorded.protocolHandlers.set(scheme, handler);
  },
};
export const net = { fetch: (url: string) => fetch(url) };
export const shell = {
  openExternal: async (url: string) => {
    recorded.opened.push(url);
  },
};
export const dialog = {
  showErrorBox: (title: string, content: string) => {
    recorded.errorBoxes.push([title, content]);
  },
  showOpenDialog: async (...args: unknown[]) => {
    const [window, options] = args.length > 1 ? args : [null, args[0]];
    recorded.openDialogs.push({ window, options: options as Record<string, unknown> });
    return recorded.dialogAnswers.shift() ?? { canceled: true, filePaths: [] };
  },
};
export const nativeTheme = { shouldUseDarkColors: false };
export const Menu = {
  buildFromTemplate: (template: unknown[]) => template,
  setApplicationMenu: () => {
    recorded.menus++;
  },
};
export const utilityProcess = {
  fork: () => {
    throw new Error('utilityProcess is not available in the stand-in');
  },
};
export default { app, BrowserWindow, ipcMain, protocol, net, shell, dialog, nativeTheme, Menu, utilityProcess };
