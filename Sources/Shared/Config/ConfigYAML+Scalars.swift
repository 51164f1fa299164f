/// `ConfigYAML`'s scalars (plain, quoted, block) and flow collections.
extension ConfigYAML {
    /// One inline value at `cursor` (a flow collection may run on over lines); leaves `cursor`
    /// after it and `lineIndex` on its last line.
    mutating func parseInline(_ cursor: inout Int, inFlow: Bool) throws(SyntaxError) -> Node {
        let c = text[cursor]
        switch c {
        case "[", "{": return try parseFlowCollection(&cursor)
        case "\"", "'": return .scalar(try parseQuoted(&cursor))
        case "&": throw error(at: cursor, "anchors (&) are not supported")
        case "*": throw error(at: cursor, "aliases (*) are not supported")
        case "!": throw error(at: cursor, "tags (!) are not supported; quote the value instead")
        case "%", "@", "`": throw error(at: cursor, "a plain value may not start with \(c); quote it")
        case "|", ">": throw error(at: cursor, "block scalars (\(c)) must be a key's or list item's whole value")
        case "-" where cursor + 1 >= lineEnd(of: cursor) || text[cursor + 1] == " ":
            throw error(at: cursor, "a list item is not allowed here")
        case "?" where cursor + 1 >= lineEnd(of: cursor) || text[cursor + 1] == " ":
            throw error(at: cursor, "complex keys (?) are not supported")
        default:
            let start = cursor
            let end = lineEnd(of: cursor)
            while cursor < end {
                let ch = text[cursor]
                if ch == "#", cursor > start, isSpace(text[cursor - 1]) { break }
                if ch == ":", cursor + 1 >= end || isSpace(text[cursor + 1]) || (inFlow && isFlowIndicator(text[cursor + 1])) {
                    if inFlow { break }
                    throw error(at: cursor, "\": \" inside a plain value; quote the value")
                }
                if inFlow, isFlowIndicator(ch) { break }
                cursor += 1
            }
            var last = cursor
            while last > start, isSpace(text[last - 1]) { last -= 1 }
            guard last > start else { throw error(at: start, "expected a value") }
            let value = String(String.UnicodeScalarView(text[start..<last]))
            return value == "~" || value == "null" || value == "Null" || value == "NULL" ? .null : .scalar(value)
        }
    }

    mutating func parseFlowCollection(_ cursor: inout Int) throws(SyntaxError) -> Node {
        let isMap = text[cursor] == "{"
        let close: Unicode.Scalar = isMap ? "}" : "]"
        let open = cursor
        try enter(open)
        defer { depth -= 1 }
        cursor += 1
        var items: [Node] = []
        var entries: [(String, Node)] = []
        while true {
            try skipFlowSpace(&cursor, open: open)
            if text[cursor] == close { cursor += 1; break }
            if isMap {
                let keyAt = cursor
                guard case .scalar(let key) = try parseInline(&cursor, inFlow: true) else {
                    throw error(at: keyAt, "a key must be a plain or quoted value")
                }
                try skipFlowSpace(&cursor, open: open)
                var value = Node.null
                if text[cursor] == ":" {
                    cursor += 1
                    try skipFlowSpace(&cursor, open: open)
                    if text[cursor] != "," && text[cursor] != "}" { value = try parseInline(&cursor, inFlow: true) }
                }
                entries.append((key, value))
            } else {
                items.append(try parseInline(&cursor, inFlow: true))
            }
            try skipFlowSpace(&cursor, open: open)
            if text[cursor] == "," { cursor += 1; continue }
            if text[cursor] == close { cursor += 1; break }
            var hint = ""
            if text[cursor] == ":" && !isMap {
                hint = " (key: value inside [ ] is not supported)"
            } else if lineNumber(of: cursor) != lineNumber(of: open) {
                let opened = error(at: open, "")
                hint = " (is the \(text[open]) at line \(opened.line), column \(opened.column) closed?)"
            }
            throw error(at: cursor, "expected , or \(close)\(hint)")
        }
        return isMap ? .map(entries) : .list(items)
    }

    /// Skips spaces, line breaks and comments inside a flow collection opened at `open`.
    mutating func skipFlowSpace(_ cursor: inout Int, open: Int) throws(SyntaxError) {
        while cursor < text.count {
            let c = text[cursor]
            if c == "#", cursor == 0 || isSpace(text[cursor - 1]) || text[cursor - 1] == "\n" {
                while cursor < text.count, text[cursor] != "\n" { cursor += 1 }
            } else if isSpace(c) || c == "\n" || c == "\r" {
                cursor += 1
            } else {
                lineIndex = lineNumber(of: cursor)
                return
            }
        }
        throw error(at: open, "this \(text[open]) is never closed")
    }

    mutating func parseQuoted(_ cursor: inout Int) throws(SyntaxError) -> String {
        let quote = text[cursor]
        let open = cursor
        let end = lineEnd(of: cursor)
        cursor += 1
        var out = String.UnicodeScalarView()
        while true {
            guard cursor < end else {
                throw error(at: open, "this quoted value does not end on its line (use \\n, or a | block)")
            }
            let c = text[cursor]
            cursor += 1
            if c == quote {
                guard quote == "'", cursor < end, text[cursor] == "'" else { break }
                out.append("'")
                cursor += 1
            } else if c == "\\" && quote == "\"" {
                out.append(try parseEscape(&cursor, end: end))
            } else {
                out.append(c)
            }
        }
        return String(out)
    }

    func parseEscape(_ cursor: inout Int, end: Int) throws(SyntaxError) -> Unicode.Scalar {
        guard cursor < end else { throw error(at: cursor - 1, "a \\ at the end of a line") }
        let c = text[cursor]
        cursor += 1
        switch c {
        case "0": return "\0"
        case "a": return "\u{07}"
        case "b": return "\u{08}"
        case "t", "\t": return "\t"
        case "n": return "\n"
        case "v": return "\u{0B}"
        case "f": return "\u{0C}"
        case "r": return "\r"
        case "e": return "\u{1B}"
        case " ", "\"", "/", "\\": return c
        case "N": return "\u{85}"
        case "_": return "\u{A0}"
        case "L": return "\u{2028}"
        case "P": return "\u{2029}"
        case "x", "u", "U":
            let digits = c == "x" ? 2 : c == "u" ? 4 : 8
            var value: UInt32 = 0
            for _ in 0..<digits {
                guard cursor < end, let digit = hexValue(text[cursor]) else {
                    throw error(at: cursor, "\\\(c) needs \(digits) hex digits")
                }
                value = value << 4 | digit
                cursor += 1
            }
            guard let scalar = Unicode.Scalar(value) else {
                throw error(at: cursor - digits - 2, "\\\(c) is not a Unicode scalar value")
            }
            return scalar
        default:
            throw error(at: cursor - 2, "unknown escape \\\(c)")
        }
    }

    /// `|` or `>` with an optional chomping indicator, then the lines indented deeper than `indent`.
    mutating func parseBlockScalar(at position: Int, indent: Int) throws(SyntaxError) -> Node {
        let folded = text[position] == ">"
        var cursor = position + 1
        var chomping: Unicode.Scalar = " "
        if cursor < lineEnd(of: position), text[cursor] == "-" || text[cursor] == "+" {
            chomping = text[cursor]
            cursor += 1
        }
        if cursor < lineEnd(of: position), !isSpace(text[cursor]) {
            throw error(at: cursor, "after \(text[position]) only - or + and a comment may follow (no indentation numbers)")
        }
        try finishLine(from: cursor)
        var body: [String] = []
        var contentIndent: Int? = nil
        while lineIndex < lines.count {
            let (start, end) = lines[lineIndex]
            var spaces = 0
            while start + spaces < end, text[start + spaces] == " " { spaces += 1 }
            if start + spaces == end {
                body.append("")
            } else {
                if contentIndent == nil {
                    guard spaces > indent else { break }
                    contentIndent = spaces
                }
                guard let content = contentIndent, spaces >= content else { break }
                body.append(String(String.UnicodeScalarView(text[(start + content)..<end])))
            }
            lineIndex += 1
        }
        var trailing = 0
        while let last = body.last, last.isEmpty, trailing < body.count { body.removeLast(); trailing += 1 }
        var value = folded ? Self.fold(body) : body.joined(separator: "\n")
        switch chomping {
        case "-": break
        case "+": value += String(repeating: "\n", count: (body.isEmpty ? 0 : 1) + trailing)
        default: if !body.isEmpty { value += "\n" }
        }
        return .scalar(value)
    }

    /// Folded `>` text: lines joined by spaces; an empty line is a line break; lines indented
    /// more than the first stay as they are.
    static func fold(_ body: [String]) -> String {
        var out = ""
        var previousWasText = false
        for line in body {
            if line.isEmpty {
                out += "\n"
                previousWasText = false
            } else if line.first == " " {
                if previousWasText { out += "\n" }
                out += line
                out += "\n"
                previousWasText = false
            } else {
                if previousWasText { out += " " }
                out += line
                previousWasText = true
            }
        }
        return out.hasSuffix("\n") ? String(out.dropLast()) : out
    }
}
