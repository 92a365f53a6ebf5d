// The tfmeta executable: everything lives in TFMetaCommands and MetaGraphKit.
import TFMetaCommands

TFMetaEntry.run()
