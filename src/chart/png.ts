import { Resvg } from '@resvg/resvg-js';

export interface PngOptions {
  /** Output width in pixels (height follows the SVG's aspect ratio); default: the SVG's own size. */
  width?: number;
  /** Background colour painted under the drawing (default white; PNGs with transparency look broken in dark viewers). */
  background?: string;
}

/**
 * Rasterises an SVG document to PNG bytes with resvg (no browser, no native build step).
 * System fonts are used for <text>; a machine without fonts still gets the lines, without labels.
 */
export function svgToPng(svg: string, opts: PngOptions = {}): Buffer {
  const resvg = new Resvg(svg, {
    background: opts.background ?? 'white',
    fitTo: opts.width ? { mode: 'width', value: opts.width } : { mode: 'original' },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}

/** The 8-byte signature every PNG file starts with. */
export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
