using System.Text;
using System.Text.Json;
using LlmCompiler.Contracts.Json;

namespace LlmCompiler.Tests.Contracts;

/// <summary>
/// The flat syntax tree against <see cref="JsonDocument"/> (what every value is, in order, duplicates included) and
/// against the positions diagnostics need: each value's bytes are exactly its raw JSON text.
/// </summary>
[TestClass]
public sealed class JsonSyntaxTreeTests
{
    [TestMethod]
    public void Random_documents_read_as_JsonDocument_reads_them_with_each_value_at_its_own_bytes()
    {
        var random = new Random(20261202);
        for (var round = 0; round < 400; round++)
        {
            var text = RandomValue(random, depth: 0);
            var bytes = Encoding.UTF8.GetBytes(text);
            var parsed = JsonSyntaxParser.Parse(new SourceText("r.json", bytes));
            Assert.IsTrue(parsed.Success, $"{parsed.Error} in {text}");
            using var document = JsonDocument.Parse(bytes);
            AssertSame(document.RootElement, parsed.Root!.Value, bytes, text);
        }
    }

    [TestMethod]
    public void A_repeated_name_is_a_duplicate_however_it_is_escaped_and_however_large_the_object()
    {
        var small = Root("{\"a\": 1, \"b\": 2, \"\\u0061\": 3}");
        CollectionAssert.AreEqual(new[] { "a", "b" }, small.Properties.Select(p => p.Name).ToArray());
        Assert.AreEqual("3", small.DuplicateProperties.Single().Value.GetNumberText());
        Assert.AreEqual("1", small.Get("a")!.Value.GetNumberText(), "the first occurrence wins");
        Assert.AreEqual("3", Root("{\"\\u0061\": 1, \"b\": 2, \"a\": 3}").DuplicateProperties.Single().Value.GetNumberText(), "escaped first");
        Assert.AreEqual("2", Root("{\"caf\u00e9\": 1, \"caf\\u00e9\": 2, \"cafe\": 3}").DuplicateProperties.Single().Value.GetNumberText(), "non-ASCII");
        // Names alike in length and first, middle and last bytes (one filter bit) are compared in full.
        Assert.IsFalse(Root("{\"abXcd\": 1, \"aYXZd\": 2}").DuplicateProperties.Any());
        Assert.AreEqual("3", Root("{\"abXcd\": 1, \"aYXZd\": 2, \"abXcd\": 3}").DuplicateProperties.Single().Value.GetNumberText());

        var names = Enumerable.Range(0, 40).Select(i => $"\"p{i}\": {i}").Append("\"p\\u0033\": -1").Append("\"p39\": -2");
        var large = Root("{" + string.Join(", ", names) + "}");
        Assert.AreEqual(40, large.Properties.Count());
        CollectionAssert.AreEqual(new[] { "p3", "p39" }, large.DuplicateProperties.Select(p => p.Name).ToArray());
    }

    [TestMethod]
    public void Names_compare_by_their_decoded_text()
    {
        var obj = Root("{\"gr\\u00fc\\u00dfe\": 1, \"caf\u00e9\": 2, \"plain\": 3}");
        Assert.AreEqual("1", obj.Get("grüße")!.Value.GetNumberText());
        Assert.AreEqual("2", obj.Get("café")!.Value.GetNumberText());
        Assert.IsNull(obj.Get("cafe"));
        Assert.IsNull(obj.Get("plai"));
        Assert.IsNull(obj.Get("plainer"));
        Assert.AreEqual(1, obj.Properties.First(p => p.NameEquals("plain")).IndexIn(["x", "plain"]));
    }

    [TestMethod]
    public void A_document_of_many_values_spans_node_chunks_and_keeps_every_value()
    {
        var count = 3 * JsonSyntaxTree.ChunkSize + 17;
        var root = Root("[" + string.Join(",", Enumerable.Range(0, count).Select(i => $"{{\"n\": \"v{i}\"}}")) + "]");
        Assert.AreEqual(count, root.Items.Count);
        var i = 0;
        foreach (var item in root.Items) Assert.AreEqual($"v{i++}", item.Get("n")!.Value.GetString());
        Assert.AreEqual($"v{count - 1}", root.Items[count - 1].Get("n")!.Value.GetString());
    }

    [TestMethod]
    [DataRow("{\"k\": \"a\\ud800\"}", 1, 7)]
    [DataRow("{\n  \"ok\": 1,\n  \"\\udc00\": 2}", 3, 3)]
    public void A_lone_surrogate_escape_is_a_positioned_E000(string json, int line, int column)
    {
        var parsed = JsonSyntaxParser.Parse("x.json", json);
        Assert.IsFalse(parsed.Success);
        Assert.AreEqual("E000", parsed.Error!.Code);
        Assert.AreEqual((line, column), (parsed.Error.Line, parsed.Error.Column), parsed.Error.ToString());
    }

    [TestMethod]
    public void Invalid_utf8_in_a_property_name_is_a_positioned_E000()
    {
        var bytes = Encoding.UTF8.GetBytes("{\n  \"ok\": 1,\n  \"bad\": 2\n}").ToList();
        bytes.Insert(bytes.LastIndexOf((byte)'b') + 1, 0xC3);
        var parsed = JsonSyntaxParser.Parse(new SourceText("x.json", bytes.ToArray()));
        Assert.IsFalse(parsed.Success);
        Assert.AreEqual("E000", parsed.Error!.Code);
        Assert.AreEqual(3, parsed.Error.Line, parsed.Error.ToString());
    }

    [TestMethod]
    public void Nesting_to_the_limit_parses_and_one_deeper_is_E000()
    {
        var limit = JsonSyntaxParser.MaxDepth;
        Assert.IsTrue(JsonSyntaxParser.Parse(null, new string('[', limit) + new string(']', limit)).Success);
        var deeper = JsonSyntaxParser.Parse(null, new string('[', limit + 1) + new string(']', limit + 1));
        StringAssert.Contains(deeper.Error!.Message, "depth");
    }

    [TestMethod]
    [DataRow("42", JsonSyntaxKind.Number)]
    [DataRow("\"s\"", JsonSyntaxKind.String)]
    [DataRow("null", JsonSyntaxKind.Null)]
    [DataRow("true", JsonSyntaxKind.True)]
    [DataRow("[]", JsonSyntaxKind.Array)]
    [DataRow("{}", JsonSyntaxKind.Object)]
    public void A_top_level_value_of_any_kind_is_the_root(string json, JsonSyntaxKind kind)
    {
        var root = Root(json);
        Assert.AreEqual(kind, root.Kind);
        Assert.AreEqual((0, json.Length), (root.Start, root.End));
        Assert.AreEqual(0, root.Items.Count);
        Assert.IsFalse(root.Properties.Any());
    }

    private static JsonSyntax Root(string json)
    {
        var parsed = JsonSyntaxParser.Parse("t.json", json);
        Assert.IsTrue(parsed.Success, parsed.Error?.ToString());
        return parsed.Root!.Value;
    }

    private static void AssertSame(JsonElement expected, JsonSyntax actual, byte[] bytes, string text)
    {
        Assert.AreEqual(expected.GetRawText(), Encoding.UTF8.GetString(bytes, actual.Start, actual.End - actual.Start), text);
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                Assert.AreEqual(JsonSyntaxKind.Object, actual.Kind, text);
                var all = actual.Properties.Concat(actual.DuplicateProperties).OrderBy(p => p.NameStart).ToList();
                var properties = expected.EnumerateObject().ToList();
                Assert.AreEqual(properties.Count, all.Count, text);
                var seen = new HashSet<string>(StringComparer.Ordinal);
                for (var i = 0; i < properties.Count; i++)
                {
                    Assert.AreEqual(properties[i].Name, all[i].Name, text);
                    Assert.IsTrue(all[i].NameEquals(properties[i].Name), text);
                    var isFirst = seen.Add(properties[i].Name);
                    Assert.AreEqual(isFirst, actual.Properties.Any(p => p.NameStart == all[i].NameStart), $"duplicate flag of '{properties[i].Name}' in {text}");
                    AssertSame(properties[i].Value, all[i].Value, bytes, text);
                }
                break;
            case JsonValueKind.Array:
                Assert.AreEqual(JsonSyntaxKind.Array, actual.Kind, text);
                var items = expected.EnumerateArray().ToList();
                Assert.AreEqual(items.Count, actual.Items.Count, text);
                var index = 0;
                foreach (var item in actual.Items)
                {
                    AssertSame(items[index], item, bytes, text);
                    AssertSame(items[index], actual.Items[index], bytes, text);
                    index++;
                }
                break;
            case JsonValueKind.String:
                Assert.AreEqual(expected.GetString(), actual.GetString(), text);
                Assert.IsTrue(actual.TextEquals(expected.GetString()), text);
                break;
            case JsonValueKind.Number:
                Assert.AreEqual(expected.GetRawText(), actual.GetNumberText(), text);
                break;
            default:
                Assert.AreEqual(expected.ValueKind switch
                {
                    JsonValueKind.True => JsonSyntaxKind.True,
                    JsonValueKind.False => JsonSyntaxKind.False,
                    _ => JsonSyntaxKind.Null,
                }, actual.Kind, text);
                break;
        }
    }

    private static readonly string[] Words = ["id", "a", "path", "kind", "caf\u00e9", "\\u0061", "gr\\u00fc\\u00dfe", "tab\\t", "q\\\"", "\\/", "\ud83d\ude00", "x y", ""];

    private static string RandomValue(Random random, int depth)
    {
        var choice = random.Next(depth > 5 ? 4 : 7);
        var space = random.Next(3) switch { 0 => "", 1 => " ", _ => "\n  " };
        switch (choice)
        {
            case 0: return "\"" + Words[random.Next(Words.Length)] + random.Next(3) + "\"";
            case 1: return random.Next(5) switch { 0 => "0", 1 => "-12.5e3", 2 => "3.25", 3 => "1E+2", _ => random.Next(100_000).ToString(System.Globalization.CultureInfo.InvariantCulture) };
            case 2: return random.Next(3) switch { 0 => "true", 1 => "false", _ => "null" };
            case 3: return "\"\"";
            case 4:
            case 5:
                var properties = Enumerable.Range(0, random.Next(random.Next(4) == 0 ? 24 : 5))
                    .Select(_ => $"{space}\"{Words[random.Next(Words.Length)]}{random.Next(2)}\"{space}:{space}{RandomValue(random, depth + 1)}");
                return "{" + string.Join(",", properties) + space + "}";
            default:
                return "[" + string.Join("," + space, Enumerable.Range(0, random.Next(6)).Select(_ => RandomValue(random, depth + 1))) + "]";
        }
    }
}
