/// A rectangle of pixels on a slice: rows `row ..< row + rows`, columns
/// `column ..< column + columns`. (A box of voxels across slices is Segmentation's `GridBox`.)
public struct PixelRect: Codable, Equatable, Hashable, Sendable {
    public var row: Int
    public var column: Int
    public var rows: Int
    public var columns: Int

    public init(row: Int, column: Int, rows: Int, columns: Int) {
        self.row = row
        self.column = column
        self.rows = rows
        self.columns = columns
    }

    /// The rectangle from `firstRow` to `lastRow` and `firstColumn` to `lastColumn`, inclusive.
    public init(firstRow: Int, lastRow: Int, firstColumn: Int, lastColumn: Int) {
        self.init(row: firstRow, column: firstColumn, rows: lastRow - firstRow + 1, columns: lastColumn - firstColumn + 1)
    }

    public var isEmpty: Bool { rows <= 0 || columns <= 0 }
    public var lastRow: Int { row + rows - 1 }
    public var lastColumn: Int { column + columns - 1 }

    public func contains(row r: Int, column c: Int) -> Bool {
        r >= row && r < row + rows && c >= column && c < column + columns
    }

    /// The smallest rectangle holding both.
    public func union(_ o: PixelRect) -> PixelRect {
        PixelRect(firstRow: min(row, o.row), lastRow: max(lastRow, o.lastRow),
                  firstColumn: min(column, o.column), lastColumn: max(lastColumn, o.lastColumn))
    }
}
