import type { ContentKind } from './bench-message.js';
import type { Transport, WireParser } from './connect-clients.js';

/** Commands the orchestrator sends a load worker, each answered once. */
export type LoadCommand =
  | {
      cmd: 'connect';
      url: string;
      count: number;
      transport: Transport;
      inFlight: number;
      parser?: WireParser;
      /** Each receiver presents its own token (RelayKit's jwt auth mode), signed before connecting. */
      jwt?: boolean;
    }
  | { cmd: 'record'; tag: string }
  | { cmd: 'waitFor'; expected: number; timeoutMs: number }
  | { cmd: 'collect' }
  | {
      cmd: 'send';
      url: string;
      transport: Transport;
      parser?: WireParser;
      /** The sender presents a token (RelayKit's jwt auth mode). */
      jwt?: boolean;
      tag: string;
      rate: number;
      durationMs: number;
      bytes: number;
      kind: ContentKind;
    }
  | {
      cmd: 'burst';
      url: string;
      transport: Transport;
      tag: string;
      count: number;
      bytes: number;
      kind: ContentKind;
    }
  | {
      cmd: 'echo';
      url: string;
      transport: Transport;
      count: number;
      intervalMs: number;
      bytes: number;
      kind: ContentKind;
    }
  | {
      cmd: 'http';
      url: string;
      token?: string;
      concurrency: number;
      durationMs: number;
      tag: string;
      bytes: number;
    }
  | { cmd: 'ping'; url: string; transport: Transport; count: number; intervalMs: number; timeoutMs: number }
  | { cmd: 'reset' }
  | { cmd: 'close' };

/** Deliveries seen by a worker's receivers since `record`. */
export interface Deliveries {
  readonly count: number;
  readonly samples: Float64Array;
  readonly firstAt: number;
  readonly lastAt: number;
  /** Receivers no longer connected when collected (cut or dropped by the server). */
  readonly disconnected: number;
  /**
   * CPU the worker process used from `record` to `collect` (ms): what receiving cost the clients. On a
   * shared machine it is taken from the server's cores, so it belongs in the report next to the server's.
   */
  readonly cpuMs: number;
}

/** What `send` and `burst` report. */
export interface SendResult {
  readonly sent: number;
  readonly refused: number;
  readonly startedAt: number;
  readonly endedAt: number;
}

/** What `echo`, `ping` and `http` report: one latency sample per completed round trip. */
export interface RoundTrips {
  readonly samples: Float64Array;
  readonly failed: number;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly statuses?: Record<string, number>;
}

/** A worker's answer to a command. */
export type LoadReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };
