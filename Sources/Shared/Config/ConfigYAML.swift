/// The YAML of `--config` files, read into `ConfigFile.Node` without Foundation.
///
/// What a configuration needs, and a clear error (line, column, what to do) for the rest:
/// - block mappings (`key: value`, nested by indentation with spaces) and block lists (`- a`),
///   also a list at its key's own indentation;
/// - flow collections `[a, b]` and `{a: 1, b: 2}`, across lines too, so JSON is read as well;
/// - plain, `'single'` and `"double"` quoted scalars (with YAML's escapes), literal `|` and
///   folded `>` block scalars (chomping `-`/`+`), e.g. a PEM certificate for `kafka.properties`;
/// - `#` comments, one document (an optional `---` first, an optional `...` last).
///
/// Scalars keep their text (`1.50`, `yes` and `0x10` stay as written: the keys' own parsers read
/// them); `~`, `null`, `Null`, `NULL` and an empty value are null. Not supported, each with its
/// own message: anchors, aliases, tags, directives, complex keys, tabs in indentation,
/// multi-line plain or quoted scalars, and lists of anything but plain values.
struct ConfigYAML {
    /// Where and why the text is not configuration YAML.
    struct SyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
        var line: Int
        var column: Int
        var message: String

        var description: String { "line \(line), column \(column): \(message)" }
    }

    typealias Node = ConfigFile.Node

    let text: [Unicode.Scalar]
    /// Each line's first scalar and its end (before `\n`, and before a `\r` there).
    let lines: [(start: Int, end: Int)]
    /// The next line the block parser looks at.
    var lineIndex = 0
    /// How many collections enclose the parser now; capped so hostile input cannot exhaust the stack.
    var depth = 0
    static let maxDepth = 64

    /// Parses one document. An empty one (only blanks and comments) is an empty mapping.
    static func parse(_ source: String) throws(SyntaxError) -> Node {
        var reader = ConfigYAML(source)
        return try reader.parseDocument()
    }

    init(_ source: String) {
        var scalars = Array(source.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        var lines: [(start: Int, end: Int)] = []
        var start = 0
        for (i, c) in scalars.enumerated() where c == "\n" {
            lines.append((start, i > start && scalars[i - 1] == "\r" ? i - 1 : i))
            start = i + 1
        }
        if start < scalars.count { lines.append((start, scalars.count)) }
        self.text = scalars
        self.lines = lines
    }

    // MARK: - Document and block structure

    mutating func parseDocument() throws(SyntaxError) -> Node {
        guard let first = try nextSignificantLine() else { return .map([]) }
        let start = lines[first].start
        if text[start] == "%" { throw error(at: start, "YAML directives (%) are not supported") }
        if isMarker("---", line: first) {
            try finishLine(from: start + 3)
            guard try nextSignificantLine() != nil else { return .map([]) }
        }
        let root = try parseBlockNode(parentIndent: -1)
        if let extra = try nextSignificantLine() {
            let at = lines[extra].start + indentation(of: extra)
            if isMarker("...", line: extra) {
                try finishLine(from: lines[extra].start + 3)
                if let after = try nextSignificantLine() {
                    throw error(at: lines[after].start, "nothing may follow the document end (...)")
                }
            } else if isMarker("---", line: extra) {
                throw error(at: at, "a config file holds one YAML document; found a second (---)")
            } else {
                throw error(at: at, "unexpected text; is this line's indentation right?")
            }
        }
        return root
    }

    /// The value that starts on the current line, indented deeper than `parentIndent`.
    mutating func parseBlockNode(parentIndent: Int) throws(SyntaxError) -> Node {
        let indent = indentation(of: lineIndex)
        let at = lines[lineIndex].start + indent
        try enter(at)
        defer { depth -= 1 }
        if isListItem(at) { return try parseList(indent: indent) }
        if try keyEnd(at) != nil { return try parseMapping(indent: indent) }
        return try parseValue(at: at, indent: parentIndent)
    }

    mutating func parseMapping(indent: Int) throws(SyntaxError) -> Node {
        var entries: [(String, Node)] = []
        while let line = try nextSignificantLine() {
            let lineIndent = indentation(of: line)
            if lineIndent < indent || (lineIndent == 0 && (isMarker("---", line: line) || isMarker("...", line: line))) {
                break
            }
            let at = lines[line].start + lineIndent
            guard lineIndent == indent else {
                throw error(at: at, "this line is indented deeper than the keys above it (a value that goes on for lines needs quotes on one line, or | )")
            }
            if isListItem(at) { throw error(at: at, "a list item where a key: value was expected") }
            guard let (key, afterColon) = try keyEnd(at) else {
                throw error(at: at, "expected key: value")
            }
            entries.append((key, try parseValue(at: afterColon, indent: indent)))
        }
        return .map(entries)
    }

    mutating func parseList(indent: Int) throws(SyntaxError) -> Node {
        var items: [Node] = []
        while let line = try nextSignificantLine(), indentation(of: line) == indent {
            let dash = lines[line].start + indent
            guard isListItem(dash) else { break }
            let at = skipSpaces(dash + 1)
            if at < lines[line].end, isListItem(at) { throw error(at: at, "lists inside lists are not supported") }
            if at < lines[line].end, text[at] != "#", try keyEnd(at) != nil {
                throw error(at: at, "a list item may only be a plain value, not key: value")
            }
            items.append(try parseValue(at: at, indent: indent))
        }
        return .list(items)
    }

    /// The value after `key:` or `- ` at `position` on the current line (a key at `indent`):
    /// inline, a block scalar, or nothing there and a nested block on the following lines.
    mutating func parseValue(at position: Int, indent: Int) throws(SyntaxError) -> Node {
        let end = lines[lineIndex].end
        let at = skipSpaces(position)
        if at >= end || text[at] == "#" {
            lineIndex += 1
            guard let next = try nextSignificantLine() else { return .null }
            let nextIndent = indentation(of: next)
            if nextIndent > indent { return try parseBlockNode(parentIndent: indent) }
            if nextIndent == indent, isListItem(lines[next].start + nextIndent), indent >= 0 {
                return try parseList(indent: indent)
            }
            return .null
        }
        if text[at] == "|" || text[at] == ">" { return try parseBlockScalar(at: at, indent: indent) }
        var cursor = at
        let node = try parseInline(&cursor, inFlow: false)
        try finishLine(from: cursor)
        return node
    }

    mutating func enter(_ position: Int) throws(SyntaxError) {
        guard depth < Self.maxDepth else { throw error(at: position, "nested deeper than \(Self.maxDepth) levels") }
        depth += 1
    }

    // MARK: - Lines

    /// The index of the next line with content (not blank, not only a comment) from `lineIndex`
    /// on, which it moves there; nil at the end.
    mutating func nextSignificantLine() throws(SyntaxError) -> Int? {
        while lineIndex < lines.count {
            let (start, end) = lines[lineIndex]
            var i = start
            while i < end, text[i] == " " { i += 1 }
            if i < end, text[i] == "\t" {
                var j = i
                while j < end, isSpace(text[j]) { j += 1 }
                if j < end, text[j] != "#" { throw error(at: i, "tabs are not allowed in indentation; use spaces") }
            }
            while i < end, isSpace(text[i]) { i += 1 }
            if i < end, text[i] != "#" { return lineIndex }
            lineIndex += 1
        }
        return nil
    }

    /// Only spaces and a comment may remain on the line of `position`; then moves to the next line.
    mutating func finishLine(from position: Int) throws(SyntaxError) {
        let line = lineNumber(of: position)
        let end = lines[line].end
        let at = skipSpaces(position)
        if at < end, text[at] != "#" || (at > lines[line].start && !isSpace(text[at - 1])) {
            throw error(at: at, "unexpected text after the value")
        }
        lineIndex = line + 1
    }

    /// For the key at `position`: the key and the position after its colon; nil when the line
    /// there is no `key:`.
    func keyEnd(_ position: Int) throws(SyntaxError) -> (String, Int)? {
        let end = lineEnd(of: position)
        guard position < end else { return nil }
        var cursor = position
        let key: String
        if text[cursor] == "\"" || text[cursor] == "'" {
            var copy = self
            guard let quoted = try? copy.parseQuoted(&cursor) else { return nil }
            cursor = skipSpaces(cursor)
            guard cursor < end, text[cursor] == ":" else { return nil }
            key = quoted
        } else {
            if "[{&*!|>%@`#".unicodeScalars.contains(text[cursor]) { return nil }
            while cursor < end {
                if text[cursor] == "#", cursor > position, isSpace(text[cursor - 1]) { return nil }
                if text[cursor] == ":", cursor + 1 >= end || isSpace(text[cursor + 1]) { break }
                cursor += 1
            }
            guard cursor < end else { return nil }
            var last = cursor
            while last > position, isSpace(text[last - 1]) { last -= 1 }
            key = String(String.UnicodeScalarView(text[position..<last]))
            guard !key.isEmpty else { throw error(at: position, "a key is missing before the colon") }
        }
        return (key, cursor + 1)
    }

    func isListItem(_ position: Int) -> Bool {
        let end = lineEnd(of: position)
        return position < end && text[position] == "-" && (position + 1 == end || isSpace(text[position + 1]))
    }

    func isMarker(_ marker: String, line: Int) -> Bool {
        let (start, end) = lines[line]
        let m = Array(marker.unicodeScalars)
        guard end - start >= 3, Array(text[start..<(start + 3)]) == m else { return false }
        return start + 3 == end || isSpace(text[start + 3])
    }

    func indentation(of line: Int) -> Int {
        let (start, end) = lines[line]
        var i = start
        while i < end, text[i] == " " { i += 1 }
        return i - start
    }

    func skipSpaces(_ position: Int) -> Int {
        let end = lineEnd(of: position)
        var i = position
        while i < end, isSpace(text[i]) { i += 1 }
        return i
    }

    func lineNumber(of position: Int) -> Int {
        var low = 0
        var high = lines.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lines[mid].start <= position { low = mid } else { high = mid - 1 }
        }
        return max(0, low)
    }

    func lineEnd(of position: Int) -> Int {
        lines.isEmpty ? 0 : lines[lineNumber(of: position)].end
    }

    func error(at position: Int, _ message: String) -> SyntaxError {
        let line = lineNumber(of: position)
        let start = lines.isEmpty ? 0 : lines[line].start
        return SyntaxError(line: line + 1, column: max(0, position - start) + 1, message: message)
    }

    func isSpace(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" }

    func isFlowIndicator(_ c: Unicode.Scalar) -> Bool {
        c == "," || c == "[" || c == "]" || c == "{" || c == "}"
    }

    func hexValue(_ c: Unicode.Scalar) -> UInt32? {
        switch c.value {
        case 0x30...0x39: c.value - 0x30
        case 0x41...0x46: c.value - 0x41 + 10
        case 0x61...0x66: c.value - 0x61 + 10
        default: nil
        }
    }
}
