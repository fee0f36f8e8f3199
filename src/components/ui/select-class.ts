/** The app's native `<select>` style: the height, border and focus ring of `Input`. */
export const nativeSelectClass =
  "h-9 rounded-md border border-input bg-background px-2.5 text-sm shadow-xs outline-none focus-visible:border-ring focus-visible:ring-2 focus-visible:ring-ring/30";
