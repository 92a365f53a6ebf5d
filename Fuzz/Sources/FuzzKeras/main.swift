// libFuzzer entry points for FuzzTarget.keras (Sources/MetaGraphKitFuzzing).
import MetaGraphKitFuzzing

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzTarget.keras.fuzzerTestOneInput(data, size)
}

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutableRawPointer?) -> CInt {
    FuzzTarget.keras.fuzzerInitialize()
}
