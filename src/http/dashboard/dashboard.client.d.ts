// The dashboard script is served as text: importing it (with { type: "text" }) gives its source.
declare const source: string;
export default source;
