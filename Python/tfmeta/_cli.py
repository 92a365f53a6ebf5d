"""The `tfmeta` console command: runs the executable shipped in this package
(`tfmeta/bin/tfmeta`, MetaGraphKit's CLI) in place of this process, so its exit
status, signals and output are the command's own."""
import os
import sys

EXECUTABLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin", "tfmeta")


def main():
    try:
        os.execv(EXECUTABLE, ["tfmeta"] + sys.argv[1:])
    except OSError as e:
        sys.stderr.write(f"Error: {EXECUTABLE}: cannot run: {e.strerror}\n")
        sys.exit(1)


if __name__ == "__main__":
    main()
