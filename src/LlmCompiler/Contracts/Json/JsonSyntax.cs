using System.Text;

namespace LlmCompiler.Contracts.Json;

public enum JsonSyntaxKind : byte { Object, Array, String, Number, True, False, Null }

/// <summary>
/// A parsed document: every value and property name as one entry of a flat array over the source bytes, in document
/// order (the layout of <see cref="System.Text.Json.JsonDocument"/>, plus positions). Strings are decoded when asked
/// for, so a large plan costs one array, not an object and a string per value that the collector must then trace.
/// </summary>
public sealed class JsonSyntaxTree
{
    // Chunks stay below the large-object heap: a big document's nodes then never force a full collection to be freed.
    internal const int ChunkShift = 11;
    internal const int ChunkSize = 1 << ChunkShift;

    private readonly JsonSyntaxNode[][] _chunks;
    // Strings with escapes were decoded (and checked) while parsing; the rest are decoded from the bytes on demand.
    private readonly Dictionary<int, string>? _unescaped;

    internal JsonSyntaxTree(SourceText source, JsonSyntaxNode[][] chunks, Dictionary<int, string>? unescaped)
    {
        Source = source;
        _chunks = chunks;
        _unescaped = unescaped;
    }

    public SourceText Source { get; }

    public JsonSyntax Root => new(this, 0);

    internal ref readonly JsonSyntaxNode Node(int index) => ref _chunks[index >> ChunkShift][index & (ChunkSize - 1)];

    internal string GetString(int index)
    {
        ref readonly var node = ref Node(index);
        if ((node.Flags & JsonSyntaxFlags.HasEscapes) != 0) return _unescaped![index];
        var raw = RawContent(in node);
        if (raw.Length is 0 or > MaxSharedLength) return Encoding.UTF8.GetString(raw);
        // A plan repeats its paths and commands from work order to work order: equal text read again is the same
        // string, so a large plan holds each once. A miss (or a slot taken by other text) only decodes.
        var shared = _shared ??= new string?[SharedSlots];
        var slot = (int)(SharedHash(raw) & (SharedSlots - 1));
        if (shared[slot] is { } known && Ascii.Equals(raw, known)) return known;
        return shared[slot] = Encoding.UTF8.GetString(raw);
    }

    private const int SharedSlots = 256;
    private const int MaxSharedLength = 160;
    private string?[]? _shared;

    // Length and the first and last eight bytes: O(1), and enough to tell Module12.cs from Module13.cs.
    private static uint SharedHash(ReadOnlySpan<byte> raw)
    {
        ulong head = 0, tail = 0;
        if (raw.Length >= 8)
        {
            head = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(raw);
            tail = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(raw[^8..]);
        }
        else
        {
            foreach (var b in raw) head = (head << 8) | b;
        }
        var mixed = (head * 0x9E3779B97F4A7C15UL) ^ (tail * 0xC2B2AE3D27D4EB4FUL) ^ (ulong)raw.Length;
        return (uint)(mixed ^ (mixed >> 29) ^ (mixed >> 47));
    }

    internal bool TextEquals(int index, ReadOnlySpan<char> text)
    {
        ref readonly var node = ref Node(index);
        if ((node.Flags & JsonSyntaxFlags.HasEscapes) != 0) return text.SequenceEqual(_unescaped![index]);
        var utf8 = RawContent(in node);
        // Valid UTF-8 decodes to as many chars as it has bytes only when every byte is ASCII, and to no more chars than
        // bytes: one vectorised comparison decides an equal length, a shorter text cannot match.
        if (utf8.Length == text.Length) return Ascii.Equals(utf8, text);
        if (utf8.Length < text.Length) return false;
        // Longer bytes than chars: compare byte for char until the first non-ASCII character, then transcode the rest.
        var i = 0;
        for (; i < text.Length && i < utf8.Length; i++)
        {
            if (text[i] >= 0x80 || utf8[i] >= 0x80) break;
            if (utf8[i] != text[i]) return false;
        }
        if (i == text.Length) return i == utf8.Length;
        var rest = text[i..];
        var restUtf8 = utf8[i..];
        if (Encoding.UTF8.GetByteCount(rest) != restUtf8.Length) return false;
        Span<byte> buffer = restUtf8.Length <= 256 ? stackalloc byte[restUtf8.Length] : new byte[restUtf8.Length];
        Encoding.UTF8.GetBytes(rest, buffer);
        return buffer.SequenceEqual(restUtf8);
    }

    private ReadOnlySpan<byte> RawContent(in JsonSyntaxNode node) => node.StringContent(Source.Bytes);
}

[Flags]
internal enum JsonSyntaxFlags : byte
{
    None = 0,
    HasEscapes = 1,
    /// <summary>A property name that repeats an earlier name of the same object; on an object, that it has one.</summary>
    Duplicate = 2,
}

internal struct JsonSyntaxNode
{
    /// <summary>Byte offset of the first byte (quote, bracket, digit).</summary>
    public int Start;

    /// <summary>Byte offset just past the value.</summary>
    public int End;

    /// <summary>Index just past this value's subtree: the next sibling, or the parent's next.</summary>
    public int Next;

    /// <summary>Elements of an array; properties of an object (duplicates included).</summary>
    public int Count;

    public JsonSyntaxKind Kind;

    public JsonSyntaxFlags Flags;

    /// <summary>A string's or name's bytes between its quotes, as written (escapes not decoded).</summary>
    public readonly ReadOnlySpan<byte> StringContent(ReadOnlySpan<byte> document) => document.Slice(Start + 1, End - Start - 2);
}

/// <summary>
/// One JSON value of a <see cref="JsonSyntaxTree"/> with its position: what the contract binder reads, so every
/// diagnostic can point at the exact property value or array element. A small handle; copying it copies two fields.
/// </summary>
public readonly struct JsonSyntax
{
    private readonly JsonSyntaxTree _tree;
    private readonly int _index;

    internal JsonSyntax(JsonSyntaxTree tree, int index)
    {
        _tree = tree;
        _index = index;
    }

    public JsonSyntaxKind Kind => Node.Kind;

    /// <summary>Byte offset of the value's first byte (the quote, bracket or digit).</summary>
    public int Start => Node.Start;

    /// <summary>Byte offset just past the value.</summary>
    public int End => Node.End;

    public bool IsObject => Kind == JsonSyntaxKind.Object;

    public bool IsArray => Kind == JsonSyntaxKind.Array;

    public bool IsString => Kind == JsonSyntaxKind.String;

    public bool IsNull => Kind == JsonSyntaxKind.Null;

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

    private ref readonly JsonSyntaxNode Node => ref _tree.Node(_index);

    /// <summary>Where this value sits in its tree, for a binder that remembers values without holding handles.</summary>
    internal int Index => _index;

    internal JsonSyntaxTree Tree => _tree;

    /// <summary>The decoded text of a string (equal short texts of one document may be one instance).</summary>
    public string GetString()
    {
        RequireKind(JsonSyntaxKind.String);
        return _tree.GetString(_index);
    }

    /// <summary>Whether this is a string written without escapes as exactly <paramref name="utf8"/> (a fast path's test).</summary>
    internal bool IsVerbatim(ReadOnlySpan<byte> utf8)
    {
        ref readonly var node = ref Node;
        return node.Kind == JsonSyntaxKind.String && (node.Flags & JsonSyntaxFlags.HasEscapes) == 0
            && node.StringContent(_tree.Source.Bytes).SequenceEqual(utf8);
    }

    /// <summary>Properties of an object, repeated names included; elements of an array.</summary>
    internal int Count => Node.Count;

    /// <summary>Whether this string's decoded text is <paramref name="text"/>, without decoding it.</summary>
    public bool TextEquals(ReadOnlySpan<char> text) => Kind == JsonSyntaxKind.String && _tree.TextEquals(_index, text);

    /// <summary>The number as written.</summary>
    public string GetNumberText()
    {
        RequireKind(JsonSyntaxKind.Number);
        return Encoding.UTF8.GetString(_tree.Source.Bytes[Start..End]);
    }

    /// <summary>Elements of an array (empty for anything else).</summary>
    public JsonArrayItems Items => new(_tree, Kind == JsonSyntaxKind.Array ? _index : -1);

    /// <summary>Properties of an object in order, without the repeats of an earlier name (empty for anything else).</summary>
    public JsonObjectProperties Properties => new(_tree, Kind == JsonSyntaxKind.Object ? _index : -1, duplicates: false);

    /// <summary>Second and later occurrences of a name; JSON with duplicate keys is rejected (E005).</summary>
    public JsonObjectProperties DuplicateProperties => new(_tree, Kind == JsonSyntaxKind.Object ? _index : -1, duplicates: true);

    /// <summary>The first property with this name, or null (also for anything but an object).</summary>
    public JsonPropertySyntax? Find(ReadOnlySpan<char> name)
    {
        foreach (var property in Properties)
        {
            if (property.NameEquals(name)) return property;
        }
        return null;
    }

    /// <summary>The value of the first property with this name, or null.</summary>
    public JsonSyntax? Get(ReadOnlySpan<char> name) => Find(name)?.Value;

    private void RequireKind(JsonSyntaxKind kind)
    {
        if (Kind != kind) throw new InvalidOperationException($"the value is {TypeName}, not {kind}");
    }
}

/// <summary>A property of an object: its name (decoded on request) and value.</summary>
public readonly struct JsonPropertySyntax
{
    private readonly JsonSyntaxTree _tree;
    private readonly int _nameIndex;

    internal JsonPropertySyntax(JsonSyntaxTree tree, int nameIndex)
    {
        _tree = tree;
        _nameIndex = nameIndex;
    }

    /// <summary>The decoded name (a new string per call; compare with <see cref="NameEquals"/>).</summary>
    public string Name => _tree.GetString(_nameIndex);

    public int NameStart => _tree.Node(_nameIndex).Start;

    public JsonSyntax Value => new(_tree, _nameIndex + 1);

    public bool NameEquals(ReadOnlySpan<char> name) => _tree.TextEquals(_nameIndex, name);

    /// <summary>Whether the name is written without escapes as exactly <paramref name="utf8"/>.</summary>
    internal bool NameIsVerbatim(ReadOnlySpan<byte> utf8) => new JsonSyntax(_tree, _nameIndex).IsVerbatim(utf8);

    /// <summary>Index of the name in <paramref name="names"/>, or -1.</summary>
    public int IndexIn(string[] names) => IndexIn(names, 0);

    /// <summary>Index of the name in <paramref name="names"/>, or -1; <paramref name="likely"/> is compared first.</summary>
    public int IndexIn(string[] names, int likely)
    {
        ref readonly var node = ref _tree.Node(_nameIndex);
        if ((node.Flags & JsonSyntaxFlags.HasEscapes) == 0)
        {
            // Equal text of equal length is ASCII on both sides (see TextEquals): one vectorised comparison per candidate
            // of the name's length, and an ASCII name that matched none of them is unknown.
            var raw = node.StringContent(_tree.Source.Bytes);
            if ((uint)likely < (uint)names.Length && Ascii.Equals(raw, names[likely])) return likely;
            for (var i = 0; i < names.Length; i++)
            {
                if (names[i].Length == raw.Length && Ascii.Equals(raw, names[i])) return i;
            }
            if (Ascii.IsValid(raw)) return -1;
        }
        for (var i = 0; i < names.Length; i++)
        {
            if (_tree.TextEquals(_nameIndex, names[i])) return i;
        }
        return -1;
    }
}

/// <summary>The elements of an array, enumerated without allocation by <c>foreach</c> (LINQ boxes).</summary>
public readonly struct JsonArrayItems : IEnumerable<JsonSyntax>
{
    private readonly JsonSyntaxTree? _tree;
    private readonly int _array;

    internal JsonArrayItems(JsonSyntaxTree tree, int array)
    {
        _tree = array >= 0 ? tree : null;
        _array = array;
    }

    public int Count => _tree is null ? 0 : _tree.Node(_array).Count;

    /// <summary>The element at <paramref name="index"/>: a walk over the earlier siblings, so enumerate for all of them.</summary>
    public JsonSyntax this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index));
            var node = _array + 1;
            for (var i = 0; i < index; i++) node = _tree!.Node(node).Next;
            return new JsonSyntax(_tree!, node);
        }
    }

    public Enumerator GetEnumerator() => new(_tree, _array, Count);

    IEnumerator<JsonSyntax> IEnumerable<JsonSyntax>.GetEnumerator() => GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public struct Enumerator : IEnumerator<JsonSyntax>
    {
        private readonly JsonSyntaxTree? _tree;
        private int _remaining;
        private int _next;
        private int _current;

        internal Enumerator(JsonSyntaxTree? tree, int array, int count)
        {
            _tree = tree;
            _remaining = count;
            _next = array + 1;
            _current = -1;
        }

        public readonly JsonSyntax Current => new(_tree!, _current);

        readonly object System.Collections.IEnumerator.Current => Current;

        public readonly void Dispose() { }

        public readonly void Reset() => throw new NotSupportedException();

        public bool MoveNext()
        {
            if (_remaining == 0) return false;
            _remaining--;
            _current = _next;
            _next = _tree!.Node(_current).Next;
            return true;
        }
    }
}

/// <summary>The properties of an object (either the first occurrences of each name or only the repeats).</summary>
public readonly struct JsonObjectProperties : IEnumerable<JsonPropertySyntax>
{
    private readonly JsonSyntaxTree? _tree;
    private readonly int _object;
    private readonly bool _duplicates;

    internal JsonObjectProperties(JsonSyntaxTree tree, int obj, bool duplicates)
    {
        _tree = obj >= 0 ? tree : null;
        _object = obj;
        _duplicates = duplicates;
    }

    public bool Any()
    {
        foreach (var _ in this) return true;
        return false;
    }

    public Enumerator GetEnumerator() => new(_tree, _object, _duplicates);

    IEnumerator<JsonPropertySyntax> IEnumerable<JsonPropertySyntax>.GetEnumerator() => GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public struct Enumerator : IEnumerator<JsonPropertySyntax>
    {
        private readonly JsonSyntaxTree? _tree;
        private readonly bool _duplicates;
        private int _remaining;
        private int _next;
        private int _current;

        internal Enumerator(JsonSyntaxTree? tree, int obj, bool duplicates)
        {
            _tree = tree;
            _duplicates = duplicates;
            // Almost no object repeats a name: its own flag spares the walk over its properties in search of repeats.
            _remaining = tree is null || duplicates && (tree.Node(obj).Flags & JsonSyntaxFlags.Duplicate) == 0 ? 0 : tree.Node(obj).Count;
            _next = obj + 1;
            _current = -1;
        }

        public readonly JsonPropertySyntax Current => new(_tree!, _current);

        readonly object System.Collections.IEnumerator.Current => Current;

        public readonly void Dispose() { }

        public readonly void Reset() => throw new NotSupportedException();

        public bool MoveNext()
        {
            while (_remaining > 0)
            {
                _remaining--;
                _current = _next;
                // A name is one node; its value's subtree ends where the next name starts.
                _next = _tree!.Node(_current + 1).Next;
                var isDuplicate = (_tree.Node(_current).Flags & JsonSyntaxFlags.Duplicate) != 0;
                if (isDuplicate == _duplicates) return true;
            }
            return false;
        }
    }
}
