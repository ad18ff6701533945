/** An error caused by the user's input or setup; `message` is one line naming the input and the fix. */
export class InputError extends Error {
  override name = 'InputError'
}
