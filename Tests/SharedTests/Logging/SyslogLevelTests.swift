import Logging
import Testing
@testable import SharedLogging

@Suite struct SyslogLevelTests {
    @Test func everyLoggerLevelHasTheJournalPriorityOfItsSeverity() {
        let expected: [(Logger.Level, Int32)] = [
            (.trace, 7), (.debug, 7), (.info, 6), (.notice, 5), (.warning, 4), (.error, 3), (.critical, 2),
        ]
        for (level, priority) in expected {
            #expect(SyslogLevel(level).rawValue == priority, "\(level)")
            #expect(SyslogLevel(level).journalPrefix == "<\(priority)>")
        }
    }

    @Test func cLevelsMapToLoggerLevelsAndOutOfRangeValuesAreClamped() {
        let expected: [(Int32, Logger.Level)] = [
            (0, .critical), (1, .critical), (2, .critical), (3, .error), (4, .warning), (5, .notice), (6, .info),
            (7, .debug),
        ]
        for (raw, level) in expected {
            #expect(SyslogLevel(clamping: raw).loggerLevel == level, "\(raw)")
        }
        #expect(SyslogLevel(clamping: -3) == .emergency)
        #expect(SyslogLevel(clamping: 99) == .debug)
    }

    @Test func aLoggedLevelSurvivesTheRoundTripThroughSyslog() {
        for level in [Logger.Level.info, .notice, .warning, .error, .critical] {
            #expect(SyslogLevel(level).loggerLevel == level)
        }
    }
}
