// libFuzzer entry points for FuzzTarget.zip (Sources/MetaGraphKitFuzzing).
import MetaGraphKitFuzzing

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzTarget.zip.fuzzerTestOneInput(data, size)
}

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutableRawPointer?) -> CInt {
    FuzzTarget.zip.fuzzerInitialize()
}
