@testable import SharedConfig
import Testing

/// The `--config` YAML reader: what configuration files use, and a clear error for the rest.
@Suite struct ConfigYAMLTests {
    private func values(_ yaml: String) throws -> [String: String] {
        try ConfigFile.parse(yaml, path: "t.yaml", isJSON: false).values
    }

    private func syntaxError(_ yaml: String) -> ConfigYAML.SyntaxError? {
        #expect(throws: ConfigYAML.SyntaxError.self) { try ConfigYAML.parse(yaml) }
    }

    @Test func nestedDottedListsAndComments() throws {
        let yaml = """
            ---
            # a comment line
            http:            # trailing comment
              port: 8080
              host: "::1"
            kafka.brokers:
            - b1:9092
            - 'b2:9093'   # quoted
            kafka:
              topic: orders#1
              properties:
                ssl.ca.location: /etc/ssl/ca.pem
                socket.keepalive.enable: true
            order:
              rate:
                2000
            log: {level: debug,
                  format: text}
            ...
            """
        #expect(try values(yaml) == [
            "http.port": "8080", "http.host": "::1", "kafka.brokers": "b1:9092,b2:9093",
            "kafka.topic": "orders#1", "order.rate": "2000", "log.level": "debug", "log.format": "text",
        ])
        let file = try ConfigFile.parse(yaml, path: "t.yaml", isJSON: false)
        #expect(file.properties == ["ssl.ca.location": "/etc/ssl/ca.pem", "socket.keepalive.enable": "true"])
    }

    @Test func scalarsKeepTheirTextAndNullIsUnset() throws {
        #expect(try values("a: 1.50\nb: yes\nc: 0x10\nd: ~\ne: null\nf:\ng: NULL\nh: 'null'\ni: \"~\"\n")
            == ["a": "1.50", "b": "yes", "c": "0x10", "h": "null", "i": "~"])
        #expect(try values("") == [:])
        #expect(try values("# only a comment\n\n") == [:])
        #expect(try values("---\n") == [:])
    }

    @Test func quotedScalarsAndEscapes() throws {
        #expect(try values(#"a: 'it''s # not a comment'"#) == ["a": "it's # not a comment"])
        #expect(try values(#"a: "tab\there\n\u00e9\x41\U0001F600 \"q\" \\""#) == ["a": "tab\there\né\u{41}😀 \"q\" \\"])
        #expect(try values(#"url: postgres://u:p@h:5432/db?x=1"#) == ["url": "postgres://u:p@h:5432/db?x=1"])
        #expect(try values("'quoted key': v\n\"k2\" : w\n") == ["quoted key": "v", "k2": "w"])
    }

    @Test func blockScalarsForCertificates() throws {
        let yaml = """
            kafka:
              properties:
                ssl.ca.pem: |
                  -----BEGIN CERTIFICATE-----
                  MIIB

                  abc
                  -----END CERTIFICATE-----
                a: >-
                  folded
                  text

                  next
                b: |+
                  kept

            c: |-
              stripped
            """
        let file = try ConfigFile.parse(yaml, path: "t.yaml", isJSON: false)
        #expect(file.properties["ssl.ca.pem"] == "-----BEGIN CERTIFICATE-----\nMIIB\n\nabc\n-----END CERTIFICATE-----\n")
        #expect(file.properties["a"] == "folded text\nnext")
        #expect(file.properties["b"] == "kept\n\n")
        #expect(file.values["c"] == "stripped")
    }

    /// JSON is YAML's flow style: a JSON config file read as YAML gives the same keys.
    @Test(arguments: [
        #"{"http": {"port": 8080, "host": "0.0.0.0"}, "kafka.brokers": ["a:1", "b:2"], "log": {"level": "info"}}"#,
        "{\n  \"kafka\": {\n    \"properties\": {\"debug\": \"broker,topic\"},\n    \"topic\": \"o\"\n  },\n  \"x\": null\n}\n",
        #"{"a":"b","c":[],"d":{},"e":true,"f":"\u00e9\n"}"#,
    ])
    func jsonReadsTheSameAsYAML(json: String) throws {
        let asJSON = try ConfigFile.parse(json, path: "t.json", isJSON: true)
        let asYAML = try ConfigFile.parse(json, path: "t.yaml", isJSON: false)
        #expect(asYAML.values == asJSON.values)
        #expect(asYAML.properties == asJSON.properties)
    }

    @Test func jsonNumbersArePlainDecimals() throws {
        let file = try ConfigFile.parse(#"{"a": 10, "b": 1.50, "c": 2e3, "d": -0.05}"#, path: "t.json", isJSON: true)
        #expect(file.values == ["a": "10", "b": "1.5", "c": "2000", "d": "-0.05"])
    }

    @Test func duplicateJSONKeysAreAnError() {
        #expect(throws: ConfigError.self) { try ConfigFile.parse(#"{"a": 1, "a": 2}"#, path: "t.json", isJSON: true) }
        #expect(throws: ConfigError.malformedFile(path: "t.yaml", reason: "a appears twice (nested and dotted?)")) {
            try ConfigFile.parse("a: 1\na: 2\n", path: "t.yaml", isJSON: false)
        }
    }

    /// Each unsupported or broken construct: where it is and what to do.
    @Test(arguments: [
        ("a:\n\tb: 1\n", 2, 1, "tabs are not allowed in indentation; use spaces"),
        ("a: &x 1\n", 1, 4, "anchors (&) are not supported"),
        ("a: *x\n", 1, 4, "aliases (*) are not supported"),
        ("a: !!str 1\n", 1, 4, "tags (!) are not supported; quote the value instead"),
        ("%YAML 1.2\n---\na: 1\n", 1, 1, "YAML directives (%) are not supported"),
        ("? a\n: 1\n", 1, 1, "complex keys (?) are not supported"),
        ("a: 1\n---\nb: 2\n", 2, 1, "a config file holds one YAML document; found a second (---)"),
        ("a: [1, 2\n", 1, 4, "this [ is never closed"),
        ("a: [1, 2\nb: 3\n", 2, 1, "expected , or ] (is the [ at line 1, column 4 closed?)"),
        ("a: 'open\n", 1, 4, "this quoted value does not end on its line (use \\n, or a | block)"),
        ("a: \"\\q\"\n", 1, 5, "unknown escape \\q"),
        ("a: b: c\n", 1, 5, "\": \" inside a plain value; quote the value"),
        ("a:\n  b: 1\n    c: 2\n", 3, 5, "this line is indented deeper than the keys above it (a value that goes on for lines needs quotes on one line, or | )"),
        ("a:\n  b: 1\n  oops\n", 3, 3, "expected key: value"),
        ("a:\n  - x: 1\n", 2, 5, "a list item may only be a plain value, not key: value"),
        ("a:\n  - - x\n", 2, 5, "lists inside lists are not supported"),
        ("a: 1 # c\n  b\n", 2, 3, "this line is indented deeper than the keys above it (a value that goes on for lines needs quotes on one line, or | )"),
        ("a: \"x\" y\n", 1, 8, "unexpected text after the value"),
        ("a: [x: 1]\n", 1, 6, "expected , or ] (key: value inside [ ] is not supported)"),
        ("a: |2\n  x\n", 1, 5, "after | only - or + and a comment may follow (no indentation numbers)"),
        (": 1\n", 1, 1, "a key is missing before the colon"),
    ] as [(String, Int, Int, String)])
    func errorsSayWhereAndWhat(yaml: String, line: Int, column: Int, message: String) {
        let error = syntaxError(yaml)
        #expect(error == ConfigYAML.SyntaxError(line: line, column: column, message: message))
    }

    @Test func nestingIsCapped() throws {
        let flow = String(repeating: "[", count: 100_000)
        #expect(syntaxError("a: " + flow)?.message == "nested deeper than 64 levels")
        var block = ""
        for level in 0..<200 { block += String(repeating: " ", count: level) + "k\(level):\n" }
        #expect(syntaxError(block)?.message == "nested deeper than 64 levels")
        var ok = ""
        for level in 0..<60 { ok += String(repeating: " ", count: level) + "k:\n" }
        #expect(try values(ok + String(repeating: " ", count: 60) + "k: v\n") == [Array(repeating: "k", count: 61).joined(separator: "."): "v"])
    }

    @Test func errorsReachTheUserWithThePath() {
        #expect(throws: ConfigError.malformedFile(path: "c.yaml", reason: "line 1, column 4: aliases (*) are not supported")) {
            try ConfigFile.parse("a: *x\n", path: "c.yaml", isJSON: false)
        }
        #expect(throws: ConfigError.malformedFile(path: "c.yaml", reason: "the top level must be a mapping of keys")) {
            try ConfigFile.parse("just text\n", path: "c.yaml", isJSON: false)
        }
    }
}
