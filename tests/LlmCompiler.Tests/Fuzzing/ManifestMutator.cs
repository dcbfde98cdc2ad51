using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmCompiler.Tests.Fuzzing;

/// <summary>
/// Turns a valid manifest into hostile input. Tree mutations (wrong types, nulls, missing and unknown keys,
/// huge strings, deep nesting) keep the text JSON so the binder and validators are reached; text and byte
/// mutations (duplicate keys, lone surrogates, truncation, byte flips, invalid UTF-8, BOMs, control
/// characters) exercise the parser. Everything is driven by one <see cref="Random"/> so a seed replays a case.
/// </summary>
internal sealed class ManifestMutator(Random random)
{
    private static readonly byte[][] InvalidUtf8 =
    [
        [0xFF], [0xFE], [0xC3, 0x28], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
        [0xE2, 0x82], [0x80], [0xF0, 0x9F, 0x98],
    ];

    private static readonly string[] LoneSurrogates = [@"\ud800", @"\udc00", @"\udbff\u0041", @"\ud83d", @"x\udfff"];

    private static readonly string[] HostileStrings =
    [
        "", " ", "WO-01", "WO-1", "WO-100", "../etc/passwd", "/abs", "C:\\x", "a\u0000b", "src/*.cs", ".git/config",
        "src/?.cs", "src/[ab].cs", "CON", "file_absent", "file_exists", "echo a|b", "python -c \"def (\"", "bash scripts/verify.sh",
        "dotnet test tests/A/A.csproj", "'unterminated", "\u2028", "é", "\uFEFF",
    ];

    private readonly List<string> _log = [];

    /// <summary>What was done to the last input, for the failure message.</summary>
    public string Description => string.Join("; ", _log);

    public byte[] Mutate(string manifest)
    {
        _log.Clear();
        var root = JsonNode.Parse(manifest)!;
        var treeMutations = random.Next(0, 4);
        for (var i = 0; i < treeMutations; i++) root = MutateTree(root);
        var text = root.ToJsonString(new JsonSerializerOptions
        {
            WriteIndented = random.Next(4) != 0,
            MaxDepth = 1024,
            Encoder = random.Next(2) == 0 ? JavaScriptEncoder.UnsafeRelaxedJsonEscaping : JavaScriptEncoder.Default,
        });

        if (random.Next(3) == 0) text = MutateText(text);
        var bytes = Encoding.UTF8.GetBytes(text);
        if (treeMutations == 0 || random.Next(3) == 0) bytes = MutateBytes(bytes);
        return bytes;
    }

    private JsonNode MutateTree(JsonNode root)
    {
        var nodes = new List<(JsonNode? Node, JsonNode? Parent, string? Key, int Index, string Path)>();
        Collect(root, null, null, -1, "$", nodes);
        var (node, parent, key, index, path) = nodes[random.Next(nodes.Count)];
        var kind = random.Next(9);
        switch (kind)
        {
            case 0 when parent is JsonObject obj:
                obj.Remove(key!);
                _log.Add($"remove {path}");
                return root;
            case 1 when node is JsonObject target:
                var name = random.Next(2) == 0 ? "postcondition" : "x_" + random.Next(1000);
                target[name] = RandomValue();
                _log.Add($"add unknown '{name}' to {path}");
                return root;
            case 2:
                var huge = new string((char)('a' + random.Next(26)), random.Next(4) == 0 ? random.Next(100_000, 1_000_000) : random.Next(256, 5_000));
                _log.Add($"huge string ({huge.Length:N0} chars) at {path}");
                return Replace(root, parent, key, index, JsonValue.Create(huge));
            case 3:
                var depth = random.Next(1, 200);
                JsonNode nested = node?.DeepClone() ?? JsonValue.Create(0);
                for (var i = 0; i < depth; i++)
                {
                    nested = random.Next(2) == 0 ? new JsonArray(nested) : new JsonObject { ["work_orders"] = nested };
                }
                _log.Add($"nest {path} {depth} deep");
                return Replace(root, parent, key, index, nested);
            case 4:
                _log.Add($"null at {path}");
                return Replace(root, parent, key, index, null);
            case 5 when node is JsonArray array && array.Count > 0:
                var copies = random.Next(1, 40);
                for (var i = 0; i < copies; i++) array.Add(array[random.Next(array.Count)]?.DeepClone());
                _log.Add($"repeat {copies} elements of {path}");
                return root;
            case 6 when node is JsonValue leaf && leaf.GetValueKind() == JsonValueKind.String:
                // Same type, hostile content: reaches the path rule, the lexer and the chain checks.
                var text = RandomString();
                _log.Add($"replace string {path} with '{text}'");
                return Replace(root, parent, key, index, JsonValue.Create(text));
            default:
                var value = RandomValue();
                _log.Add($"replace {path} with {value?.ToJsonString() ?? "null"}");
                return Replace(root, parent, key, index, value);
        }
    }

    private string MutateText(string text)
    {
        switch (random.Next(4))
        {
            case 0:
                // Duplicate one property line: "key": value, appears twice in the same object.
                var lines = text.Split('\n').ToList();
                var candidates = Enumerable.Range(0, lines.Count)
                    .Where(i => lines[i].TrimStart().StartsWith('"') && lines[i].Contains("\": ", StringComparison.Ordinal))
                    .ToList();
                if (candidates.Count == 0) goto default;
                var at = candidates[random.Next(candidates.Count)];
                var copy = lines[at].TrimEnd().EndsWith(',') ? lines[at] : lines[at].TrimEnd() + ",";
                lines.Insert(at, copy);
                _log.Add($"duplicate key on line {at + 1}");
                return string.Join('\n', lines);
            case 1:
                var quote = RandomIndexOf(text, '"');
                if (quote < 0) goto default;
                var surrogate = LoneSurrogates[random.Next(LoneSurrogates.Length)];
                _log.Add($"lone surrogate {surrogate} at {quote + 1}");
                return text.Insert(quote + 1, surrogate);
            case 2:
                var q = RandomIndexOf(text, '"');
                if (q < 0) goto default;
                var control = (char)random.Next(0, 0x20);
                _log.Add($"raw control U+{(int)control:X4} at {q + 1}");
                return text.Insert(q + 1, control.ToString());
            default:
                var cut = random.Next(text.Length + 1);
                _log.Add($"truncate text at {cut}");
                return text[..cut];
        }
    }

    private byte[] MutateBytes(byte[] bytes)
    {
        var list = new List<byte>(bytes);
        switch (random.Next(5))
        {
            case 0:
                var flips = random.Next(1, 6);
                for (var i = 0; i < flips && list.Count > 0; i++) list[random.Next(list.Count)] = (byte)random.Next(256);
                _log.Add($"flip {flips} bytes");
                break;
            case 1:
                var sequence = InvalidUtf8[random.Next(InvalidUtf8.Length)];
                var inString = RandomIndexOf(list, (byte)'"');
                var at = inString >= 0 && random.Next(4) != 0 ? inString + 1 : random.Next(list.Count + 1);
                list.InsertRange(at, sequence);
                _log.Add($"invalid UTF-8 {Convert.ToHexString(sequence)} at byte {at}");
                break;
            case 2:
                var boms = random.Next(1, 3);
                for (var i = 0; i < boms; i++) list.InsertRange(0, [0xEF, 0xBB, 0xBF]);
                _log.Add($"{boms} BOM(s)");
                break;
            case 3:
                var middle = random.Next(list.Count + 1);
                list.InsertRange(middle, [0xEF, 0xBB, 0xBF]);
                _log.Add($"BOM at byte {middle}");
                break;
            default:
                var cut = random.Next(list.Count + 1);
                list.RemoveRange(cut, list.Count - cut);
                _log.Add($"truncate bytes at {cut}");
                break;
        }
        return [.. list];
    }

    private JsonNode? RandomValue() => random.Next(9) switch
    {
        0 => null,
        1 => JsonValue.Create(random.Next(2) == 0),
        2 => JsonValue.Create(random.Next(3) switch { 0 => 0, 1 => -1, _ => int.MaxValue }),
        3 => JsonNode.Parse(random.Next(2) == 0 ? "1e308" : "123456789012345678901234567890"),
        4 => new JsonArray(),
        5 => new JsonObject(),
        6 => new JsonArray(JsonValue.Create(1), JsonValue.Create("a"), null, new JsonObject { ["kind"] = 1 }),
        7 => new JsonObject { ["kind"] = "file_exists", ["path"] = RandomString() },
        _ => JsonValue.Create(RandomString()),
    };

    private string RandomString() => HostileStrings[random.Next(HostileStrings.Length)];

    private static JsonNode Replace(JsonNode root, JsonNode? parent, string? key, int index, JsonNode? value)
    {
        switch (parent)
        {
            case JsonObject obj:
                obj[key!] = value;
                return root;
            case JsonArray array:
                array[index] = value;
                return root;
            default:
                // The root itself: wrap non-object replacements so the tree stays a JsonNode.
                return value ?? JsonValue.Create("null-root");
        }
    }

    private static void Collect(JsonNode? node, JsonNode? parent, string? key, int index, string path,
        List<(JsonNode?, JsonNode?, string?, int, string)> nodes)
    {
        nodes.Add((node, parent, key, index, path));
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToList()) Collect(child, obj, name, -1, $"{path}.{name}", nodes);
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++) Collect(array[i], array, null, i, $"{path}[{i}]", nodes);
                break;
        }
    }

    private int RandomIndexOf(string text, char c)
    {
        var count = text.Count(x => x == c);
        if (count == 0) return -1;
        var nth = random.Next(count);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == c && nth-- == 0) return i;
        }
        return -1;
    }

    private int RandomIndexOf(List<byte> bytes, byte b)
    {
        var count = bytes.Count(x => x == b);
        if (count == 0) return -1;
        var nth = random.Next(count);
        for (var i = 0; i < bytes.Count; i++)
        {
            if (bytes[i] == b && nth-- == 0) return i;
        }
        return -1;
    }
}
