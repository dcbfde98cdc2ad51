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
