// Line and column of a source offset, from the text itself. yaml's LineCounter learns line starts from the
// lexer's newline tokens, and a multi-line token inside a syntax error (a plain scalar running over a line
// break after a stray `}`) hides its line breaks from it: every later error on that line came out with a
// column past the line's end (routes.yaml:29:30 on a 17-character line). Line breaks are those
// formatDiagnostics splits the excerpt on (\r\n, \r, \n), so a position and its excerpt always agree.

export interface LinePos {
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units as the editor counts them. */
  col: number;
}

export class LineIndex {
  /** Offset where each line starts; starts[0] = 0. */
  private readonly starts: number[] = [0];

  constructor(source: string) {
    for (const match of source.matchAll(/\r\n|\r|\n/g)) this.starts.push(match.index + match[0].length);
  }

  /** Same shape as yaml's LineCounter.linePos, so the two are interchangeable. */
  linePos(offset: number): LinePos {
    // The last line start at or before offset (binary search: files can be long, errors many).
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, col: offset - this.starts[low]! + 1 };
  }
}
