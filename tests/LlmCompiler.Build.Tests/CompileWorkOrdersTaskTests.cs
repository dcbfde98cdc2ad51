using LlmCompiler.Build.Tasks;
using LlmCompiler.Build.Tests.TestSupport;
using Microsoft.Build.Utilities;

namespace LlmCompiler.Build.Tests;

/// <summary>The planner task on the TextKit sample in replay mode (its recorded planner cassette), in a real git repo.</summary>
[TestClass]
public sealed class CompileWorkOrdersTaskTests
{
    private TestRepo _repo = null!;

    [TestInitialize]
    public void Setup()
    {
        _repo = new TestRepo();
        SourceTree.Copy("samples/TextKit/product", _repo.Root);
        _repo.Commit("product");
    }

    [TestCleanup]
    public void Cleanup() => _repo.Dispose();

    private (CompileWorkOrders Task, FakeBuildEngine Engine) NewTask(string? model = null)
    {
        var engine = new FakeBuildEngine();
        var spec = new TaskItem(_repo.PathOf("spec/textkit.md"));
        spec.SetMetadata("OutputDir", "workorders/");
        var task = new CompileWorkOrders
        {
            BuildEngine = engine,
            Specs = [spec],
            DefaultOutputDirectory = "workorders/",
            ProjectDirectory = _repo.Root,
            Mode = "replay",
            CassettesDirectory = "llmc/cassettes/",
            Model = model,
        };
        return (task, engine);
    }

    [TestMethod]
    public void Plans_from_the_cassette_then_skips_on_unchanged_inputs_and_replans_on_a_changed_setting()
    {
        var (first, engine1) = NewTask();
        Assert.IsTrue(first.Execute(), string.Join("\n", engine1.Errors.Select(e => $"{e.File}({e.LineNumber}): {e.Code} {e.Message}")));
        Assert.IsTrue(File.Exists(_repo.PathOf("workorders/WO-01.json")));
        Assert.IsTrue(File.Exists(_repo.PathOf(Path.Combine("workorders", CompileWorkOrders.StampFileName))));
        Assert.IsTrue(engine1.Messages.Any(m => m.Message!.Contains("1 LLM call(s) (1 from cassettes)", StringComparison.Ordinal)),
            string.Join("\n", engine1.Messages.Select(m => m.Message)));

        // Fresh-clone timestamps: content unchanged, so no call at all.
        File.SetLastWriteTimeUtc(_repo.PathOf("spec/textkit.md"), DateTime.UtcNow.AddHours(1));
        var (second, engine2) = NewTask();
        Assert.IsTrue(second.Execute());
        Assert.IsTrue(engine2.Messages.Any(m => m.Message!.Contains("up to date", StringComparison.Ordinal)));
        Assert.IsFalse(engine2.Messages.Any(m => m.Message!.Contains("LLM call(s)", StringComparison.Ordinal)), "no session may be opened");

        // A setting is an input: another model means another request, which replay does not have.
        var (third, engine3) = NewTask(model: "another-model");
        Assert.IsFalse(third.Execute());
        Assert.IsTrue(engine3.Errors.Any(e => e.Code == "E305"), string.Join("\n", engine3.Errors.Select(e => $"{e.Code} {e.Message}")));
    }
}
