// A plain equirectangular world (x = longitude, y = -latitude) with the active nodes' places drawn on it, as server-side SVG.
import { escapeHtml } from "./html.ts";

/** Coarse coastlines, [lon, lat] pairs, drawn by hand for this page: enough to recognise the continents, nothing more. */
const LAND: readonly (readonly [number, number])[][] = [
  // North America
  [[-168, 66], [-140, 70], [-95, 72], [-80, 63], [-60, 55], [-53, 47], [-66, 44], [-75, 35], [-81, 25], [-97, 26], [-97, 20],
    [-87, 21], [-83, 10], [-78, 8], [-90, 14], [-105, 20], [-117, 32], [-124, 40], [-125, 49], [-135, 58], [-152, 59], [-165, 54]],
  // Greenland
  [[-73, 78], [-20, 82], [-20, 70], [-43, 60], [-53, 66]],
  // South America
  [[-80, 9], [-60, 11], [-50, 0], [-35, -7], [-40, -22], [-48, -28], [-58, -38], [-65, -42], [-68, -55], [-75, -50], [-72, -30], [-71, -18], [-81, -5]],
  // Eurasia
  [[-10, 36], [-9, 43], [-2, 44], [-5, 48], [2, 51], [8, 54], [10, 58], [5, 62], [15, 69], [28, 71], [40, 67], [60, 70], [80, 73], [105, 78],
    [140, 72], [180, 68], [180, 65], [160, 60], [155, 50], [140, 53], [135, 43], [128, 35], [122, 31], [120, 22], [108, 21], [106, 10],
    [100, 13], [100, 3], [104, 1], [98, 8], [94, 16], [90, 22], [80, 15], [77, 8], [72, 20], [66, 25], [57, 25], [56, 22], [52, 16],
    [44, 12], [35, 28], [34, 31], [36, 36], [26, 37], [28, 41], [23, 40], [19, 42], [13, 45], [18, 40], [16, 38], [10, 44], [3, 43], [0, 39], [-5, 36]],
  // Great Britain, Japan
  [[-5, 50], [1, 51], [-2, 56], [-5, 58], [-6, 55]],
  [[130, 31], [136, 34], [141, 36], [142, 43], [140, 41]],
  // Africa
  [[-17, 21], [-6, 36], [10, 37], [20, 31], [32, 31], [34, 28], [43, 12], [51, 12], [40, -3], [40, -15], [35, -24], [27, -34], [18, -34],
    [12, -17], [13, -6], [9, 2], [-8, 4], [-17, 14]],
  // Madagascar
  [[44, -25], [49, -14], [50, -16], [47, -25]],
  // Sumatra and Borneo, New Guinea
  [[95, 5], [106, -6], [103, -5]],
  [[109, 1], [117, 7], [119, 0], [114, -4]],
  [[131, -1], [150, -6], [141, -9]],
  // Australia, New Zealand
  [[113, -22], [114, -34], [130, -32], [140, -38], [150, -37], [153, -25], [145, -15], [142, -11], [136, -12], [130, -12], [122, -17]],
  [[172, -35], [178, -38], [167, -46]],
  // Antarctica
  [[-180, -72], [-120, -74], [-60, -64], [0, -70], [60, -67], [120, -66], [180, -72], [180, -90], [-180, -90]],
];

/** Where a continent bucket is drawn (PROTOCOL.md's continent codes are coarse: one fixed point each). */
export const CONTINENT_POINTS: Readonly<Record<string, readonly [number, number]>> = {
  AF: [20, 5], AN: [0, -80], AS: [95, 40], EU: [15, 50], NA: [-100, 45], OC: [140, -25], SA: [-60, -15],
};

export const CONTINENT_NAMES: Readonly<Record<string, string>> = {
  AF: "Africa", AN: "Antarctica", AS: "Asia", EU: "Europe", NA: "North America", OC: "Oceania", SA: "South America",
};

const LAND_PATH = LAND.map((ring) => `M${ring.map(([lon, lat]) => `${lon},${-lat}`).join("L")}Z`).join("");

/** "lat,lon" location buckets as [lon, lat]; anything else (e.g. "other") has no place. */
function locationPoint(bucket: string): [number, number] | undefined {
  const m = /^(-?\d{1,2}\.\d),(-?\d{1,3}\.\d)$/.exec(bucket);
  return m ? [Number(m[2]), Number(m[1])] : undefined;
}

/** Circle radius in map degrees: area grows with the count, so one big place does not hide the others. */
function radius(n: number, max: number, smallest: number, largest: number): number {
  return smallest + (largest - smallest) * Math.sqrt(n / Math.max(max, 1));
}

export function worldMapSvg(continents: Record<string, number>, locations: Record<string, number>): string {
  const continentMax = Math.max(0, ...Object.values(continents));
  const locationMax = Math.max(0, ...Object.values(locations));
  const bubbles = Object.entries(continents).flatMap(([code, n]) => {
    const at = CONTINENT_POINTS[code];
    if (!at || n <= 0) return [];
    const r = radius(n, continentMax, 6, 16).toFixed(1);
    const label = `${CONTINENT_NAMES[code] ?? code}: ${n} active node${n === 1 ? "" : "s"}`;
    return [{
      bubble: `<circle class="continent" cx="${at[0]}" cy="${-at[1]}" r="${r}"><title>${escapeHtml(label)}</title></circle>`,
      // Above the circle: place dots are often at its centre.
      count: `<text class="count" x="${at[0]}" y="${(-at[1] - Number(r) - 1.5).toFixed(1)}">${n}</text>`,
    }];
  });
  const dots = Object.entries(locations).flatMap(([bucket, n]) => {
    const at = locationPoint(bucket);
    if (!at || n <= 0) return [];
    const r = radius(n, locationMax, 1.4, 4).toFixed(1);
    return [`<circle class="place" cx="${at[0]}" cy="${-at[1]}" r="${r}"><title>${escapeHtml(`${bucket}: ${n}`)}</title></circle>`];
  });
  return `<svg class="world" viewBox="-180 -90 360 180" role="img" aria-label="Active nodes on a world map">` +
    `<rect class="sea" x="-180" y="-90" width="360" height="180"/>` +
    `<path class="graticule" d="${graticule()}"/>` +
    `<path class="land" d="${LAND_PATH}"/>${bubbles.map((b) => b.bubble).join("")}${dots.join("")}` +
    // Counts last, so no place dot hides them.
    `${bubbles.map((b) => b.count).join("")}</svg>`;
}

function graticule(): string {
  const lines: string[] = [];
  for (let lon = -150; lon <= 150; lon += 30) lines.push(`M${lon},-90V90`);
  for (let lat = -60; lat <= 60; lat += 30) lines.push(`M-180,${-lat}H180`);
  return lines.join("");
}
