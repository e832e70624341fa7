import type { Hook } from '../hook.js';
import type { HookContent } from '../hook-content.js';

/** What a format needs besides the body: the hook, the delivery's headers and the content limit. */
export interface RenderContext {
  readonly hook: Hook;
  /** A request header, lower-case name. */
  readonly header: (name: string) => string | undefined;
  readonly maxContentBytes: number;
}

/** A delivery read: an announcement to publish, or an answer with nothing to publish (GitHub's ping). */
export type Rendered =
  | {
      readonly kind: 'publish';
      readonly content: HookContent;
      /** Another room than the hook's (a Slack `channel` the hook allows). */
      readonly room?: string;
      /** Another display name than the hook's (Slack's `username`). */
      readonly name?: string;
    }
  | { readonly kind: 'answer'; readonly text: string };
