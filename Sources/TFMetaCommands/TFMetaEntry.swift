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
            FileHandle.standardErrorWrite(TFMeta.fullMessage(for: error) + "\n")
            exit(2)
        }
        // Before any command runs, so every command that writes (checkpoints,
        // exports, .meta and state files) leaves nothing behind when interrupted.
        TemporaryFiles.installInterruptHandler()
        do {
            var command = command
            try command.run()
            exit(0)
        } catch let error as MetaGraphKitError {
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
            if code == .validationFailure {
                FileHandle.standardErrorWrite(message + "\n")
                exit(2)
            }
            FileHandle.standardErrorWrite("Error: \(message)\n")
            exit(1)
        }
    }
}

enum FileHandle {
    static func standardErrorWrite(_ text: String) {
        var text = text
        text.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if n <= 0 { break }
                offset += n
            }
        }
    }
}
