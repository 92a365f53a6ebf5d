// What the text printer and parser need to know about each field of a message
// type, worked out once per type instead of once per value.
internal import CProtobufC

/// One field of a message type, ready to print: the name already followed by
/// `: ` or ` {\n`, the message type of a message field, enum names as bytes.
/// A class, so that walking a type's fields copies one reference per field
/// rather than each of its arrays.
final class TextFormatFieldLayout {
    let info: FieldInfo
    let type: ProtobufCType
    /// `name: `, what a scalar line starts with after the indentation.
    let scalarPrefix: [UInt8]
    /// `name {\n`, what a nested message starts with after the indentation.
    let blockPrefix: [UInt8]
    /// The type of a message field (nil for scalars and for a message field
    /// whose descriptor is missing, which prints nothing).
    let messageType: ProtoMessageType?
    /// A `map<K, V>` field.
    let isMap: Bool
    /// The name of each enum value (the first name, for aliases).
    let enumNames: [Int32: [UInt8]]
    /// The `key` field (number 1) of a map entry type (`…Entry`).
    let isMapEntryKey: Bool

    init(_ info: FieldInfo, of owner: ProtoMessageType) {
        self.info = info
        type = info.type
        let name = Array(info.name.utf8)
        scalarPrefix = name + Array(": ".utf8)
        blockPrefix = name + Array(" {\n".utf8)
        messageType = info.messageType
        isMap = info.isMap
        var names: [Int32: [UInt8]] = [:]
        if let e = info.enumDescriptor {
            for i in 0..<Int(e.pointee.n_values) where names[e.pointee.values[i].value] == nil {
                names[e.pointee.values[i].value] = Array(String(cString: e.pointee.values[i].name).utf8)
            }
        }
        enumNames = names
        isMapEntryKey = info.number == 1 && info.name == "key" && owner.shortName.hasSuffix("Entry")
    }

    /// The fields of `type` in field-number order.
    static func fields(of type: ProtoMessageType) -> [TextFormatFieldLayout] {
        type.fields.map { TextFormatFieldLayout($0, of: type) }
    }
}
