using System.Buffers;
using System.Text;
using LlmCompiler.Contracts;
using LlmCompiler.Contracts.Json;

namespace LlmCompiler.Tests.Contracts;

/// <summary>
/// The reader's fast paths (conditions written plainly, names compared as bytes, the document read through the array
/// behind its memory) must bind exactly what the general path binds for every other spelling of the same JSON.
/// </summary>
[TestClass]
public sealed class ContractReaderFastPathTests
{
    private const string Plain = "{\"kind\": \"file_exists\", \"path\": \"src/a.cs\"}";

    [TestMethod]
    [DataRow("{\"\\u006bind\": \"file_exists\", \"path\": \"src/a.cs\"}")]
    [DataRow("{\"kind\": \"file_\\u0065xists\", \"path\": \"src/a.cs\"}")]
    [DataRow("{\"path\": \"src/a.cs\", \"kind\": \"file_exists\"}")]
    [DataRow("{\"kind\": \" file_exists \", \"path\": \" src//a.cs \"}")]
    [DataRow("{\"kind\": \"file_exists\", \"p\\u0061th\": \"src/./a.cs\"}")]
    public void A_condition_spelt_otherwise_binds_like_the_plain_one(string condition)
    {
        var plain = Bind(Plain);
        var other = Bind(condition);
        Assert.AreEqual(plain.Value.Preconditions.Single(), other.Value.Preconditions.Single(), condition);
        Assert.AreEqual(0, other.ShapeDiagnostics.Count, string.Join(" | ", other.ShapeDiagnostics));
    }

    [TestMethod]
    [DataRow("{\"kind\": \"file_exists\", \"path\": \"src/a.cs\", \"kind\": \"file_absent\"}", "duplicate property 'kind'")]
    [DataRow("{\"kind\": \"file_exists\", \"path\": \"src/a.cs\", \"extra\": 1}", "unknown property 'extra'")]
    [DataRow("{\"kind\": \"File_Exists\", \"path\": \"src/a.cs\"}", "must be 'file_exists' or 'file_absent'")]
    [DataRow("{\"kind\": \"file_exists\", \"path\": \"src/*.cs\"}", "not a valid repository path")]
    public void A_condition_the_fast_path_refuses_is_worded_by_the_general_one(string condition, string expected)
    {
        var bound = Bind(condition);
        Assert.IsTrue(bound.ShapeDiagnostics.Any(d => d.Message.Contains(expected, StringComparison.Ordinal)),
            string.Join(" | ", bound.ShapeDiagnostics));
    }

    [TestMethod]
    public void The_kinds_as_bytes_are_the_kinds_as_names()
    {
        CollectionAssert.AreEqual(Encoding.UTF8.GetBytes(Condition.FileExistsName), Condition.FileExistsUtf8.ToArray());
        CollectionAssert.AreEqual(Encoding.UTF8.GetBytes(Condition.FileAbsentName), Condition.FileAbsentUtf8.ToArray());
    }

    [TestMethod]
    public void A_document_in_part_of_a_larger_buffer_or_in_memory_not_backed_by_an_array_reads_the_same()
    {
        var bytes = Encoding.UTF8.GetBytes(WorkOrder("{\"kind\": \"file_exists\", \"path\": \"src/*.cs\"}, " + Plain));
        var padded = new byte[bytes.Length + 10];
        "garbage"u8.CopyTo(padded);
        bytes.CopyTo(padded, 7);

        var expected = Read(new SourceText("wo.json", bytes));
        var slice = Read(new SourceText("wo.json", padded.AsMemory(7, bytes.Length)));
        var unbacked = Read(new SourceText("wo.json", new UnbackedBytes(bytes).Memory));
        foreach (var actual in new[] { slice, unbacked })
        {
            Assert.AreEqual(expected.Value.Title, actual.Value.Title);
            Assert.AreEqual(expected.Value.Preconditions.Single(), actual.Value.Preconditions.Single());
            CollectionAssert.AreEqual(expected.Value.ContextFiles.ToArray(), actual.Value.ContextFiles.ToArray());
            var (want, got) = (expected.ShapeDiagnostics.Single(), actual.ShapeDiagnostics.Single());
            Assert.AreEqual((want.Message, want.Line, want.Column), (got.Message, got.Line, got.Column));
        }
    }

    [TestMethod]
    [DataRow("\"context_files\": [\"a.md\", \"b.md\", \"a.md\", \"c.md\"]", "context_files", 2)]
    [DataRow("\"context_files\": [\"a.md\"]", "context_files", 5)]
    [DataRow("\"context_files\": \"a.md\"", "context_files", 0)]
    [DataRow("\"context_files\": []", "acceptance_commands", 0)]
    [DataRow("\"context_files\": []", "tests", 3)]
    [DataRow("\"context_files\": [], \"intent\": \"again\"", "allowed_files", 0)]
    [DataRow("\"context_files\": [\"x\", \"x\", \"x\", \"x\", \"x\", \"x\", \"x\", \"x\", \"x\", \"x\", \"x\", \"x\", \"x\", \"x\", \"x\", \"x\", \"x\", \"y\"]", "context_files", 1)]
    public void A_diagnostic_at_a_list_element_points_where_its_spelt_out_field_points(string contextFiles, string list, int keptIndex)
    {
        var text = "{\"id\": \"WO-01\", \"title\": \"T\", \"intent\": \"I\",\n \"allowed_files\": [\"src/b.cs\"], \"forbidden\": [],\n" +
            " \"acceptance_commands\": [\"dotnet build\"],\n   " + contextFiles + "}";
        var (wo, _) = ContractReader.ReadWorkOrderFile(new SourceText("wo.json", Encoding.UTF8.GetBytes(text)), 0);
        var map = wo!.Map;

        var general = map.Create("W105", "WO-01", map.ElementField(list, keptIndex), "m");
        var shortcut = map.CreateAtElement("W105", "WO-01", list, keptIndex, "m");

        Assert.AreEqual(general, shortcut);
    }

    private static BoundWorkOrder Bind(string condition) => Read(new SourceText("wo.json", Encoding.UTF8.GetBytes(WorkOrder(condition))));

    private static BoundWorkOrder Read(SourceText source)
    {
        var (wo, error) = ContractReader.ReadWorkOrderFile(source, 0);
        Assert.IsNull(error, error?.ToString());
        return wo!;
    }

    private static string WorkOrder(string condition) =>
        "{\"id\": \"WO-01\", \"title\": \"T\", \"intent\": \"I\", \"preconditions\": [" + condition + "], \"postconditions\": [], " +
        "\"allowed_files\": [\"src/b.cs\"], \"forbidden\": [], \"acceptance_commands\": [\"dotnet build\"], \"context_files\": [\"src/a.cs\", \"README.md\"]}";

    /// <summary>Memory whose array <see cref="System.Runtime.InteropServices.MemoryMarshal.TryGetArray{T}"/> does not reveal.</summary>
    private sealed class UnbackedBytes(byte[] bytes) : MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => bytes;

        // The reader only reads spans; nothing here pins.
        public override MemoryHandle Pin(int elementIndex = 0) => throw new NotSupportedException();

        public override void Unpin() { }

        protected override void Dispose(bool disposing) { }
    }
}
