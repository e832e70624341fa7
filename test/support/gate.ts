/** A promise the test resolves when it chooses: to hold work in flight, or to learn that it got somewhere. */
export function gate(): { promise: Promise<void>; open(): void } {
  let open: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
