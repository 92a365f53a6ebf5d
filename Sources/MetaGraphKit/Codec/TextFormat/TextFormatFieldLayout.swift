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

/// The field layouts of the message types met so far. A small table indexed by
/// the descriptor's address sits in front of a dictionary: the printer and parser
/// look a type up once per message, and Swift's seeded hashing cost more than
/// the rest of the lookup.
struct TextFormatLayoutCache {
    private typealias Entry = (type: ProtoMessageType, fields: [TextFormatFieldLayout])
    private static let slotCount = 64
    private var slots: [Entry?] = Array(repeating: nil, count: slotCount)
    private var byType: [ProtoMessageType: [TextFormatFieldLayout]] = [:]

    /// The fields of `type` in field-number order, made on first use.
    mutating func fields(of type: ProtoMessageType) -> [TextFormatFieldLayout] {
        // Descriptors are static structs of ~100 bytes: the bits above 4 spread well.
        let slot = (Int(bitPattern: UInt(bitPattern: type.descriptor)) >> 4) & (Self.slotCount - 1)
        if let hit = slots[slot], hit.type == type { return hit.fields }
        let fields: [TextFormatFieldLayout]
        if let known = byType[type] {
            fields = known
        } else {
            fields = TextFormatFieldLayout.fields(of: type)
            byType[type] = fields
        }
        slots[slot] = (type, fields)
        return fields
    }
}
