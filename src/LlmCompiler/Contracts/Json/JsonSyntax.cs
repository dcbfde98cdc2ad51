namespace LlmCompiler.Contracts.Json;

public enum JsonSyntaxKind { Object, Array, String, Number, True, False, Null }

/// <summary>
/// An immutable JSON value that remembers where it came from. The contract binder reads these so every
/// diagnostic can point at the exact property value or array element.
/// </summary>
public abstract class JsonSyntax(JsonSyntaxKind kind, int start, int end)
{
    public JsonSyntaxKind Kind { get; } = kind;

    /// <summary>Byte offset of the value's first byte (the quote, bracket or digit).</summary>
    public int Start { get; } = start;

    /// <summary>Byte offset just past the value.</summary>
    public int End { get; } = end;

    /// <summary>JSON type name as users know it, for messages.</summary>
    public string TypeName => Kind switch
    {
        JsonSyntaxKind.Object => "object",
        JsonSyntaxKind.Array => "array",
        JsonSyntaxKind.String => "string",
        JsonSyntaxKind.Number => "number",
        JsonSyntaxKind.True or JsonSyntaxKind.False => "boolean",
        _ => "null",
    };
}

public sealed class JsonObjectSyntax(int start, int end, IReadOnlyList<JsonPropertySyntax> properties)
    : JsonSyntax(JsonSyntaxKind.Object, start, end)
{
    public IReadOnlyList<JsonPropertySyntax> Properties { get; } = properties;

    /// <summary>Second and later occurrences of a name; JSON with duplicate keys is rejected (E005).</summary>
    public IReadOnlyList<JsonPropertySyntax> DuplicateProperties { get; init; } = [];

    /// <summary>The first property with this name (duplicates are reported by the parser).</summary>
    public JsonPropertySyntax? Find(string name) => Find(name.AsSpan());

    public JsonPropertySyntax? Find(ReadOnlySpan<char> name)
    {
        var properties = Properties;
        for (var i = 0; i < properties.Count; i++)
        {
            if (name.SequenceEqual(properties[i].Name)) return properties[i];
        }
        return null;
    }
}

public sealed record JsonPropertySyntax(string Name, int NameStart, JsonSyntax Value);

public sealed class JsonArraySyntax(int start, int end, IReadOnlyList<JsonSyntax> items)
    : JsonSyntax(JsonSyntaxKind.Array, start, end)
{
    public IReadOnlyList<JsonSyntax> Items { get; } = items;
}

public sealed class JsonStringSyntax(int start, int end, string value) : JsonSyntax(JsonSyntaxKind.String, start, end)
{
    public string Value { get; } = value;
}

public sealed class JsonNumberSyntax(int start, int end, string text) : JsonSyntax(JsonSyntaxKind.Number, start, end)
{
    public string Text { get; } = text;
}

public sealed class JsonLiteralSyntax(JsonSyntaxKind kind, int start, int end) : JsonSyntax(kind, start, end);
