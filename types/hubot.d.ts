// The part of the `hubot` package (an optional peer dependency, shipped without types) that RelayKit's
// adapter uses. Hubot's own source is the reference: src/Adapter.mjs, src/Robot.mjs, src/Message.mjs.
declare module 'hubot' {
  import type { EventEmitter } from 'node:events';

  export interface Envelope {
    room?: string;
    user?: User;
    message?: Message;
  }

  export class User {
    constructor(id: string, options?: Record<string, unknown>);
    id: string;
    name: string;
    room?: string;
    [key: string]: unknown;
  }

  export class Message {
    constructor(user: User, done?: boolean);
    user: User;
    room: string | undefined;
    done: boolean;
    finish(): void;
  }

  export class TextMessage extends Message {
    constructor(user: User, text: string, id?: string);
    text: string;
    id: string | undefined;
  }

  export class EnterMessage extends Message {}
  export class LeaveMessage extends Message {}

  export class Brain extends EventEmitter {
    data: { users: Record<string, User>; _private: Record<string, unknown>; [key: string]: unknown };
    get(key: string): unknown;
    set(key: string, value: unknown): this;
    remove(key: string): this;
    save(): void;
    mergeData(data: Record<string, unknown>): void;
    setAutoSave(enabled: boolean): void;
    userForId(id: string, options?: Record<string, unknown>): User;
    users(): Record<string, User>;
  }

  export interface Listener {
    regex?: RegExp;
  }

  export interface CommandBus {
    getCommand(id: string): unknown;
    unregister(id: string): unknown;
  }

  /** What Hubot loggers are: pino in Hubot 11+. */
  export type RobotLogger = import('pino').Logger;

  export class Robot {
    constructor(adapter: unknown, httpd?: boolean, name?: string, alias?: string | false);
    name: string;
    alias: string | false;
    adapter: Adapter;
    adapterName: string;
    brain: Brain;
    logger: RobotLogger;
    listeners: Listener[];
    /** Hubot 14's built-in command bus; absent before it. */
    commands?: CommandBus;
    loadAdapter(adapterPath?: string | null): Promise<void>;
    run(): Promise<void>;
    shutdown(): void;
    receive(message: Message): Promise<unknown>;
    load(folder: string): Promise<unknown[]>;
    loadFile(folder: string, file: string): Promise<unknown>;
    loadExternalScripts(packages: string[] | Record<string, unknown>): Promise<void>;
    helpCommands(): string[];
    hear(regex: RegExp, callback: (res: Response) => unknown): void;
    respond(regex: RegExp, callback: (res: Response) => unknown): void;
    enter(callback: (res: Response) => unknown): void;
    leave(callback: (res: Response) => unknown): void;
    messageRoom(room: string, ...strings: string[]): Promise<unknown>;
    emit(event: string, ...args: unknown[]): void;
    on(event: string, listener: (...args: unknown[]) => void): void;
  }

  export class Response {
    message: Message;
    match: RegExpMatchArray;
    envelope: Envelope;
    send(...strings: string[]): Promise<unknown>;
    reply(...strings: string[]): Promise<unknown>;
    emote(...strings: string[]): Promise<unknown>;
    random<T>(items: T[]): T;
  }

  export class Adapter extends EventEmitter {
    constructor(robot: Robot);
    robot: Robot;
    send(envelope: Envelope, ...strings: string[]): Promise<unknown>;
    emote(envelope: Envelope, ...strings: string[]): Promise<unknown>;
    reply(envelope: Envelope, ...strings: string[]): Promise<unknown>;
    topic(envelope: Envelope, ...strings: string[]): Promise<unknown>;
    play(envelope: Envelope, ...strings: string[]): Promise<unknown>;
    run(): Promise<void>;
    close(): void;
    receive(message: Message): Promise<void>;
  }
}
