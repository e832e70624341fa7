// The browser tests rely on this helper to fail under CI, never skip, when chromium is missing.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { requireBinary } from '../support/require-binary.js';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('requireBinary', () => {
  it('finds a binary on the PATH or at a given path', () => {
    expect(requireBinary('node')).toMatch(/node$/);
    expect(requireBinary('not-on-path', { paths: [process.execPath] })).toBe(process.execPath);
  });

  it('throws under CI when the binary is missing, naming how to install it', () => {
    vi.stubEnv('CI', 'true');
    expect(() => requireBinary('relaykit-no-such-binary', { install: 'apt-get install -y nothing' })).toThrow(
      /relaykit-no-such-binary is required in CI.*apt-get install -y nothing/,
    );
  });

  it('outside CI, says why and returns undefined so the tests skip', () => {
    vi.stubEnv('CI', '');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(requireBinary('relaykit-no-such-binary')).toBeUndefined();
    expect(warn).toHaveBeenCalledWith(
      expect.stringContaining('skipping tests that need relaykit-no-such-binary'),
    );
  });
});
