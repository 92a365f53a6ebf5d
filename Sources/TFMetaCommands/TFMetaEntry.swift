import ArgumentParser
import MetaGraphKit
#if canImport(Glibc)
import Glibc
#endif

/// Runs `tfmeta` with the process's arguments and exits with its policy:
/// 0 success, 1 the input or the operation failed, 2 wrong usage, 128 + the signal
/// number when interrupted (130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP), with
/// every partial output removed.
public enum TFMetaEntry {
    /// Parses `CommandLine.arguments`, runs the command, and exits.
    public static func run(_ arguments: [String]? = nil) -> Never {
        // With --json, a failure is a JSON object on stdout: {"error": {"code",
        // "message", "file"}}, with the same exit status (README, "Errors as JSON").
        let given = arguments ?? Array(CommandLine.arguments.dropFirst())
        let json = given.prefix { $0 != "--" }.contains("--json")
        func fail(_ status: Int32, code: String, message: String, file: String? = nil) -> Never {
            if json {
                print(JSONValue.object([("error", .object([
                    ("code", .string(code)), ("message", .string(message)), ("file", file.map { .string($0) } ?? .null),
                ]))]).serialized(pretty: true))
            } else {
                FileHandle.standardErrorWrite((status == 2 ? "" : "Error: ") + message + "\n")
            }
            exit(status)
        }
        let command: any ParsableCommand
        do {
            command = try TFMeta.parseAsRoot(arguments)
        } catch {
            // Help and version requests exit 0; usage errors exit 2.
            let code = TFMeta.exitCode(for: error)
            if code == .success {
                print(TFMeta.fullMessage(for: error))
                exit(0)
            }
            let message = TFMeta.fullMessage(for: error)
            fail(2, code: "usage", message: json && message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message)
        }
        // Before any command runs, so every command that writes (checkpoints,
        // exports, .meta and state files) leaves nothing behind when interrupted.
        TemporaryFiles.installInterruptHandler()
        do {
            var command = command
            try command.run()
            exit(0)
        } catch let error as MetaGraphKitError {
            if json {
                print(error.jsonReport.serialized(pretty: true))
                exit(1)
            }
            FileHandle.standardErrorWrite("Error: \(error.message)\n")
            exit(1)
        } catch let code as ExitCode {
            // The command has printed its report (a `--json` one listing the problems).
            exit(code.rawValue)
        } catch {
            let code = TFMeta.exitCode(for: error)
            let message = TFMeta.fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
                exit(0)
            }
            if code == .validationFailure { fail(2, code: "usage", message: message) }
            fail(1, code: "error", message: message)
        }
    }
}

/// Writes to the standard streams straight to their descriptors (EINTR retried),
/// for reports streamed in pieces.
enum FileHandle {
    static func standardErrorWrite(_ text: String) {
        var text = text
        text.withUTF8 { write(2, UnsafeRawBufferPointer($0)) }
    }

    static func standardOutputWrite(_ bytes: UnsafeRawBufferPointer) { write(1, bytes) }

    static func standardOutputWrite(_ text: String) {
        var text = text
        text.withUTF8 { write(1, UnsafeRawBufferPointer($0)) }
    }

    private static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) {
        // Whatever print() buffered goes first.
        fflush(nil)
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            offset += n
        }
    }
}
