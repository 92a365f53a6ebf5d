import TFMetaCommands
TFMeta.main()
