// libFuzzer entry points for FuzzTarget.textFormat (Sources/MetaGraphKitFuzzing).
import MetaGraphKitFuzzing

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzTarget.textFormat.fuzzerTestOneInput(data, size)
}

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutableRawPointer?) -> CInt {
    FuzzTarget.textFormat.fuzzerInitialize()
}
