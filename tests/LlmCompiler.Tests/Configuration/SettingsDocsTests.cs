using LlmCompiler.Configuration;

namespace LlmCompiler.Tests.Configuration;

/// <summary>
/// <c>docs/settings.md</c> holds the settings table generated from <see cref="Settings.All"/>, so the documentation
/// cannot drift from what the front-ends parse. Set <c>LLMC_UPDATE_DOCS=1</c> to regenerate it.
/// </summary>
[TestClass]
public sealed class SettingsDocsTests
{
    private const string Begin = "<!-- settings-table:begin (generated from Settings.All by SettingsDocsTests; LLMC_UPDATE_DOCS=1 regenerates) -->";
    private const string End = "<!-- settings-table:end -->";

    [TestMethod]
    public void The_settings_table_in_the_docs_is_the_one_the_front_ends_parse()
    {
        var path = Path.Combine(SourceTree.Root, "docs", "settings.md");
        var text = File.ReadAllText(path).ReplaceLineEndings("\n");
        var start = text.IndexOf(Begin, StringComparison.Ordinal);
        var end = text.IndexOf(End, StringComparison.Ordinal);
        Assert.IsTrue(start >= 0 && end > start, $"{path} has no generated settings table between the markers");
        var generated = Begin + "\n" + Settings.MarkdownTable() + End;
        if (Environment.GetEnvironmentVariable("LLMC_UPDATE_DOCS") == "1")
        {
            File.WriteAllText(path, text[..start] + generated + text[(end + End.Length)..]);
            return;
        }
        Assert.AreEqual(generated, text[start..(end + End.Length)], "docs/settings.md is stale: run the tests with LLMC_UPDATE_DOCS=1");
    }

    [TestMethod]
    public void Every_MSBuild_property_of_the_table_is_passed_to_the_tasks_by_the_package_targets()
    {
        var targets = File.ReadAllText(Path.Combine(SourceTree.Root, "build", "LlmCompiler.Build.targets"))
            + File.ReadAllText(Path.Combine(SourceTree.Root, "build", "LlmCompiler.Build.Host.proj"));
        foreach (var setting in Settings.All.Where(s => s.Property is not null))
        {
            StringAssert.Contains(targets, $"$({setting.Property})", $"{setting.Property} is in the settings table but no target passes it on");
        }
    }
}
