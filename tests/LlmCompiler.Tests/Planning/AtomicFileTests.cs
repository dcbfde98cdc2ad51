using LlmCompiler.IO;
using LlmCompiler.Planning;

namespace LlmCompiler.Tests.Planning;

[TestClass]
public sealed class AtomicFileTests
{
    [TestMethod]
    public void Replaces_content_and_leaves_no_temp_file()
    {
        using var fx = new PlanFixture();
        var path = Path.Combine(fx.Root, "a.json");
        File.WriteAllText(path, "old");

        AtomicFile.WriteAllText(path, "new ü\n");

        CollectionAssert.AreEqual(new byte[] { (byte)'n', (byte)'e', (byte)'w', (byte)' ', 0xC3, 0xBC, (byte)'\n' }, File.ReadAllBytes(path), "UTF-8 without BOM");
        CollectionAssert.AreEquivalent(new[] { "a.json", "spec.md" }, Directory.GetFiles(fx.Root).Select(Path.GetFileName).ToArray());
    }

    [TestMethod]
    public void A_failed_write_keeps_the_old_file_and_removes_the_temp_file()
    {
        using var fx = new PlanFixture();
        var target = Path.Combine(fx.Root, "dir-in-the-way");
        Directory.CreateDirectory(target);

        Assert.ThrowsExactly<IOException>(() => AtomicFile.WriteAllText(target, "x"), "renaming over a directory fails");

        Assert.IsTrue(Directory.Exists(target));
        Assert.IsEmpty(Directory.GetFiles(fx.Root, "*.tmp", SearchOption.AllDirectories));
    }

    [TestMethod]
    public void Oversized_answers_are_rejected_without_searching_for_json()
    {
        var huge = "x" + new string('{', LlmCompiler.Contracts.Json.JsonSyntaxParser.MaxDocumentBytes);

        var result = ResponseExtractor.Parse("r.txt", huge);

        Assert.IsFalse(result.Success);
        Assert.AreEqual("E307", result.Error!.Code);
    }
}

[TestClass]
public sealed class PlanOutputWriterTests
{
    [TestMethod]
    public void An_unsafe_id_fails_before_anything_is_written_or_replaced()
    {
        using var fx = new PlanFixture();
        Directory.CreateDirectory(fx.OutDir);
        File.WriteAllText(Path.Combine(fx.OutDir, "WO-01.json"), "old");
        var manifest = new LlmCompiler.Contracts.Manifest
        {
            WorkOrders = [new LlmCompiler.Contracts.WorkOrder { Id = "WO-01" }, new LlmCompiler.Contracts.WorkOrder { Id = "../evil" }],
        };

        Assert.ThrowsExactly<ArgumentException>(() => PlanOutputWriter.Write(fx.OutDir, manifest));

        Assert.AreEqual("old", File.ReadAllText(Path.Combine(fx.OutDir, "WO-01.json")));
        CollectionAssert.AreEqual(new[] { "WO-01.json" }, fx.OutputFiles());
        Assert.IsFalse(File.Exists(Path.Combine(fx.Root, "evil.json")));
    }

    [TestMethod]
    public void Writes_work_orders_then_the_manifest_and_leaves_no_temp_files()
    {
        using var fx = new PlanFixture();
        var manifest = new LlmCompiler.Contracts.Manifest { WorkOrders = [new LlmCompiler.Contracts.WorkOrder { Id = "WO-01" }, new LlmCompiler.Contracts.WorkOrder { Id = "WO-02" }] };

        var written = PlanOutputWriter.Write(fx.OutDir, manifest);

        CollectionAssert.AreEqual(new[] { "WO-01.json", "WO-02.json", "WORK_ORDERS_MANIFEST.json" }, written.Select(Path.GetFileName).ToArray());
        CollectionAssert.AreEqual(new[] { "WO-01.json", "WO-02.json", "WORK_ORDERS_MANIFEST.json" }, Directory.GetFiles(fx.OutDir, "*", new EnumerationOptions { AttributesToSkip = 0 }).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray());
    }
}
