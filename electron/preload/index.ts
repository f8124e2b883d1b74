import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { channelOf, eventChannelOf, eventNames, methodNames, type InflowBridge } from '../core/contract/index.ts';
import { buildBridge } from './build-bridge.ts';

/**
 * Exposes `window.inflow`, built from the contract: one function per allow-listed method and `on(event,
 * listener)` for allow-listed events. Nothing else crosses: no ipcRenderer, no event objects, no channels.
 */
const bridge: InflowBridge = buildBridge({
  methodNames,
  eventNames,
  invoke: (name, input) => ipcRenderer.invoke(channelOf(name), input),
  subscribe: (name, listener) => {
    const handler = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(eventChannelOf(name), handler);
    return () => {
      ipcRenderer.removeListener(eventChannelOf(name), handler);
    };
  },
});

contextBridge.exposeInMainWorld('inflow', bridge);
