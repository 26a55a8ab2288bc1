// SVG charts rasterised to PNG: write the SVG by hand (line-chart.ts is one), then svgToPng.
export { svgToPng, PNG_SIGNATURE, type PngOptions } from './png.ts';
export { lineChartSvg, type LineChartOptions, type Series } from './line-chart.ts';
export { escapeXml, formatTick, niceTicks } from './svg.ts';
