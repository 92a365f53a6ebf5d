// Safe edits of protobuf-c message structs that Swift owns (a ProtoMessage's tree).
//
// The rules protobuf-c's `protobuf_c_message_free_unpacked` (default allocator)
// imposes, which every function here keeps:
//  * scalar `string` fields hold a malloc'ed NUL-terminated string or protobuf-c's
//    shared empty string (`ProtobufC.emptyString`), which is never freed;
//  * repeated fields are a malloc'ed array of `n_xxx` elements; string and message
//    elements are malloc'ed one by one; `bytes` elements own malloc'ed `data`;
//  * everything put into a message is malloc'ed, everything taken out is freed
//    exactly once.
internal import CProtobufC
internal import CTFProtos
#if canImport(Glibc)
import Glibc
#endif

enum CMutation {
    typealias CStr = UnsafeMutablePointer<CChar>

    // MARK: - Strings

    /// A malloc'ed copy of `value` (bytes as UTF-8, NUL-terminated).
    static func duplicate(_ value: String) -> CStr {
        strdup(value)!
    }

    /// Replaces a scalar `string` field, freeing the old value unless it is the
    /// shared empty string. "" becomes the shared empty string.
    static func setString(_ field: inout CStr?, _ value: String) {
        release(field)
        field = value.isEmpty ? ProtobufC.emptyString : duplicate(value)
    }

    /// Rewrites a scalar `string` field with `transform`; unchanged values (and
    /// their exact bytes) are left alone.
    static func mapString(_ field: inout CStr?, _ transform: (String) -> String) {
        let old = CString.string(field)
        let new = transform(old)
        if new != old { setString(&field, new) }
    }

    /// Frees a scalar string value unless it is NULL or the shared empty string.
    static func release(_ value: CStr?) {
        if let value, value != ProtobufC.emptyString { free(value) }
    }

    /// Rewrites every element of a repeated `string` field.
    static func mapStrings(_ array: CStrArray?, count: Int, _ transform: (String) -> String) {
        guard let array, count > 0 else { return }
        for i in 0..<count {
            let old = CString.string(array[i])
            let new = transform(old)
            if new != old {
                free(array[i])
                array[i] = duplicate(new)
            }
        }
    }
    typealias CStrArray = UnsafeMutablePointer<CStr?>

    /// Removes the elements of a repeated `string` field for which `remove` is
    /// true, freeing them. Returns how many were removed.
    @discardableResult
    static func removeStrings(_ array: inout CStrArray?, count: inout Int, where remove: (String) -> Bool) -> Int {
        guard let a = array, count > 0 else { return 0 }
        var kept = 0
        for i in 0..<count {
            if remove(CString.string(a[i])) { free(a[i]) } else { a[kept] = a[i]; kept += 1 }
        }
        let removed = count - kept
        count = kept
        return removed
    }

    /// A new repeated `string` field holding copies of `values` (nil for none).
    static func newStrings(_ values: [String]) -> CStrArray? {
        guard !values.isEmpty else { return nil }
        let array = newArray(values.count, of: CStr?.self)
        for (i, v) in values.enumerated() { array[i] = duplicate(v) }
        return array
    }

    /// Appends a string to a repeated `string` field.
    static func appendString(_ array: inout CStrArray?, count: inout Int, _ value: String) {
        let grown = realloc(array, (count + 1) * MemoryLayout<CStr?>.stride)!
            .assumingMemoryBound(to: CStr?.self)
        grown[count] = duplicate(value)
        array = grown
        count += 1
    }

    // MARK: - Bytes

    /// The bytes of a `bytes` value.
    static func bytes(_ value: ProtobufCBinaryData) -> [UInt8] {
        guard value.len > 0, let data = value.data else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: value.len))
    }

    /// A `bytes` value owning a malloc'ed copy of `bytes`.
    static func binaryData(_ bytes: [UInt8]) -> ProtobufCBinaryData {
        let data = malloc(max(bytes.count, 1))!.assumingMemoryBound(to: UInt8.self)
        bytes.withUnsafeBufferPointer { if $0.count > 0 { data.update(from: $0.baseAddress!, count: $0.count) } }
        return ProtobufCBinaryData(len: bytes.count, data: data)
    }

    /// Replaces a `bytes` value (an element of a repeated field or a scalar that
    /// owns its data), freeing the old data.
    static func setBytes(_ field: inout ProtobufCBinaryData, _ bytes: [UInt8]) {
        free(field.data)
        field = binaryData(bytes)
    }

    /// Rewrites every element of a repeated `bytes` field; nil drops the element.
    /// Returns how many were dropped.
    @discardableResult
    static func mapBytes(
        _ array: UnsafeMutablePointer<ProtobufCBinaryData>?, count: inout Int,
        _ transform: ([UInt8]) throws -> [UInt8]?
    ) rethrows -> Int {
        guard let array, count > 0 else { return 0 }
        var kept = 0
        for i in 0..<count {
            let old = bytes(array[i])
            let result: [UInt8]?
            do {
                result = try transform(old)
            } catch {
                // Keep this element and the rest untouched so the field stays valid
                // (no element left twice, none freed but still counted).
                for j in i..<count { array[kept] = array[j]; kept += 1 }
                count = kept
                throw error
            }
            if let new = result {
                if new != old { setBytes(&array[i], new) }
                array[kept] = array[i]
                kept += 1
            } else {
                free(array[i].data)
            }
        }
        let dropped = count - kept
        count = kept
        return dropped
    }

    /// Appends to a repeated `bytes` field.
    static func appendBytes(_ array: inout UnsafeMutablePointer<ProtobufCBinaryData>?, count: inout Int, _ value: [UInt8]) {
        let grown = realloc(array, (count + 1) * MemoryLayout<ProtobufCBinaryData>.stride)!
            .assumingMemoryBound(to: ProtobufCBinaryData.self)
        grown[count] = binaryData(value)
        array = grown
        count += 1
    }

    // MARK: - Messages

    /// Removes the elements of a repeated message field (or map) for which
    /// `remove` is true, freeing each removed message and everything it owns.
    /// Returns how many were removed.
    @discardableResult
    static func removeMessages<T>(
        _ array: UnsafeMutablePointer<UnsafeMutablePointer<T>?>?, count: inout Int,
        where remove: (UnsafeMutablePointer<T>) throws -> Bool
    ) rethrows -> Int {
        guard let array, count > 0 else { return 0 }
        var kept = 0
        for i in 0..<count {
            guard let element = array[i] else { continue }
            let removing: Bool
            do {
                removing = try remove(element)
            } catch {
                // As in mapBytes: the field stays valid when the predicate throws.
                for j in i..<count { array[kept] = array[j]; kept += 1 }
                count = kept
                throw error
            }
            if removing {
                freeMessage(element)
            } else {
                array[kept] = element
                kept += 1
            }
        }
        let removed = count - kept
        count = kept
        return removed
    }

    /// Appends a message to a repeated message field; the field takes ownership.
    static func appendMessage<T>(
        _ array: inout UnsafeMutablePointer<UnsafeMutablePointer<T>?>?, count: inout Int,
        _ element: UnsafeMutablePointer<T>
    ) {
        let grown = realloc(array, (count + 1) * MemoryLayout<UnsafeMutablePointer<T>?>.stride)!
            .assumingMemoryBound(to: UnsafeMutablePointer<T>?.self)
        grown[count] = element
        array = grown
        count += 1
    }

    /// Inserts a message into a repeated message field at `index` (0...count); the
    /// field takes ownership.
    static func insertMessage<T>(
        _ array: inout UnsafeMutablePointer<UnsafeMutablePointer<T>?>?, count: inout Int,
        _ element: UnsafeMutablePointer<T>, at index: Int
    ) {
        appendMessage(&array, count: &count, element)
        guard let a = array else { return }
        var i = count - 1
        while i > index { a[i] = a[i - 1]; i -= 1 }
        a[index] = element
    }

    /// A new repeated field of `count` zeroed elements (message pointers, scalars),
    /// malloc'ed as protobuf-c frees it; the caller sets `n_xxx`.
    static func newArray<T>(_ count: Int, of: T.Type) -> UnsafeMutablePointer<T> {
        calloc(max(count, 1), MemoryLayout<T>.stride)!.assumingMemoryBound(to: T.self)
    }

    /// A new repeated scalar field holding `values` (nil for none).
    static func newArray<T: BitwiseCopyable>(_ values: [T]) -> UnsafeMutablePointer<T>? {
        guard !values.isEmpty else { return nil }
        let array = newArray(values.count, of: T.self)
        array.update(from: values, count: values.count)
        return array
    }

    /// A new message struct of `type` (malloc'ed, fields at their defaults).
    static func newMessage<T>(_ type: ProtoMessageType, as: T.Type) -> UnsafeMutablePointer<T> {
        UnsafeMutableRawPointer(ProtobufC.allocate(type)).assumingMemoryBound(to: T.self)
    }

    /// Frees a message struct and everything it owns.
    static func freeMessage<T>(_ message: UnsafeMutablePointer<T>) {
        ProtobufC.free(raw: UnsafeMutableRawPointer(message))
    }

    /// Replaces an optional sub-message field, freeing the old one.
    static func setMessage<T>(_ field: inout UnsafeMutablePointer<T>?, _ value: UnsafeMutablePointer<T>?) {
        if let old = field { freeMessage(old) }
        field = value
    }

    /// The binary encoding of a message struct.
    static func pack<T>(_ message: UnsafeMutablePointer<T>) -> [UInt8] {
        ProtobufC.pack(raw: UnsafeRawPointer(message))
    }
}
