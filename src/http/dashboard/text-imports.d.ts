// Types for the files the dashboard imports as text, so the build embeds them in the binary.
declare module "uplot/dist/uPlot.iife.min.js" {
  const source: string;
  export default source;
}
declare module "*.css" {
  const source: string;
  export default source;
}
declare module "*.svg" {
  const source: string;
  export default source;
}
