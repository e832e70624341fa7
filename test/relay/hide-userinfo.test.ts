import { describe, expect, it } from 'vitest';
import { hideUserinfo } from '../../src/relay/hide-userinfo.js';

describe('hideUserinfo', () => {
  it("hides a URL's user and password, parseable or not, and leaves the rest as given", () => {
    expect(hideUserinfo('redis://default:s3cr3t@redis:6379/0')).toBe('redis://***@redis:6379/0');
    expect(hideUserinfo('redis://:s3cr3t@redis:6379')).toBe('redis://***@redis:6379');
    expect(hideUserinfo('https://bot:t0ken@relay.example/socket.io')).toBe(
      'https://***@relay.example/socket.io',
    );
    expect(hideUserinfo('redis://user:p@ss@redis host:6379')).toBe('redis://***@redis host:6379');
    expect(hideUserinfo('http://127.0.0.1:3000')).toBe('http://127.0.0.1:3000');
    // An @ after the authority is no user: a path or a query keeps it.
    expect(hideUserinfo('http://relay.example/a@b?to=x@y')).toBe('http://relay.example/a@b?to=x@y');
  });
});
