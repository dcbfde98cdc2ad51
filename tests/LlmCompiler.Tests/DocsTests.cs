using System.Text.RegularExpressions;
using LlmCompiler.Diagnostics;

namespace LlmCompiler.Tests;

/// <summary>
/// Keeps <c>docs/diagnostics.md</c> in step with <see cref="DiagnosticCatalog"/>: every code has a stable
/// anchor, a heading with its catalog title, a cause, an example line with its code and severity, and a fix;
/// no anchor exists for a code the catalog does not know; and the copy embedded in the engine yields each code's
/// SARIF help.
/// </summary>
[TestClass]
public sealed partial class DocsTests
{
    private static readonly Lazy<string> Document = new(() => File.ReadAllText(Path.Combine(SourceTree.Root, "docs", "diagnostics.md")));

    [GeneratedRegex("""<a id="(?<id>[^"]+)"></a>""")]
    private static partial Regex AnchorPattern();

    public static IEnumerable<object[]> Codes => DiagnosticCatalog.Descriptors.Select(d => new object[] { d.Code });

    [TestMethod]
    public void Anchors_are_exactly_the_catalog_codes()
    {
        var anchors = AnchorPattern().Matches(Document.Value).Select(m => m.Groups["id"].Value).ToList();
        var expected = DiagnosticCatalog.Descriptors.Select(d => d.Code.ToLowerInvariant()).ToList();

        CollectionAssert.AreEqual(expected, anchors, "one anchor per catalog code, in catalog order, and nothing else");
    }

    [TestMethod]
    [DynamicData(nameof(Codes))]
    public void Every_code_has_heading_cause_example_and_fix(string code)
    {
        var descriptor = DiagnosticCatalog.Get(code);
        var section = SectionOf(code);

        var heading = section.Split('\n')[1].Trim();
        Assert.AreEqual($"## {code} — {descriptor.Title}", heading);
        foreach (var part in new[] { "**Cause.**", "**Example.**", "**Fix.**" })
        {
            var at = section.IndexOf(part, StringComparison.Ordinal);
            Assert.IsGreaterThanOrEqualTo(0, at, $"{code} has no {part}");
            var body = section[(at + part.Length)..].TrimStart();
            Assert.IsFalse(body.StartsWith("**", StringComparison.Ordinal), $"{code}: {part} is empty");
        }
        Assert.IsLessThan(section.IndexOf("**Example.**", StringComparison.Ordinal), section.IndexOf("**Cause.**", StringComparison.Ordinal));
        Assert.IsLessThan(section.IndexOf("**Fix.**", StringComparison.Ordinal), section.IndexOf("**Example.**", StringComparison.Ordinal));
    }

    [TestMethod]
    [DynamicData(nameof(Codes))]
    public void Every_example_shows_the_exact_diagnostic_line_shape(string code)
    {
        var severity = DiagnosticCatalog.SeverityOf(code) switch
        {
            DiagnosticSeverity.Error => "error",
            DiagnosticSeverity.Warning => "warning",
            _ => "info",
        };
        var example = SectionOf(code).Split("**Example.**")[1].Split("**Fix.**")[0];
        var line = new Regex($@"^(?:llmc|\S+?(?:\(\d+,\d+\))?): {severity} {code}: \S.*$", RegexOptions.Multiline);

        Assert.IsTrue(line.IsMatch(example), $"{code}: the example must show a line '<file>(l,c): {severity} {code}: …' or 'llmc: {severity} {code}: …'");
        Assert.Contains("```", example, $"{code}: the example must be in a code block");
    }

    [TestMethod]
    public void No_help_link_while_the_docs_have_no_public_address()
    {
        // When DiagnosticCatalog.HelpBaseUri is set, this test should check that each link ends in its anchor.
        Assert.IsNull(DiagnosticCatalog.HelpBaseUri);
        foreach (var d in DiagnosticCatalog.Descriptors)
        {
            Assert.IsNull(DiagnosticCatalog.HelpLinkFor(d.Code), d.Code);
            Assert.IsNull(DiagnosticCatalog.Create(d.Code, "m").HelpLink, d.Code);
        }
    }

    [TestMethod]
    public void The_engine_embeds_this_very_file()
    {
        using var stream = typeof(DiagnosticCatalog).Assembly.GetManifestResourceStream(DiagnosticHelp.ResourceName);
        Assert.IsNotNull(stream, $"LlmCompiler.csproj must embed docs/diagnostics.md as {DiagnosticHelp.ResourceName}");
        using var reader = new StreamReader(stream);

        Assert.AreEqual(Document.Value, reader.ReadToEnd());
    }

    /// <summary>Each code's SARIF help is its own section of the embedded docs, not the title fallback.</summary>
    [TestMethod]
    [DynamicData(nameof(Codes))]
    public void Every_code_gets_its_help_from_the_embedded_docs(string code)
    {
        var descriptor = DiagnosticCatalog.Get(code);

        var help = DiagnosticHelp.For(descriptor);

        Assert.AreNotEqual(descriptor.Title, help.FullDescription, $"{code} fell back to its title");
        Assert.DoesNotStartWith("Cause.", help.FullDescription);
        Assert.DoesNotContain("**", help.FullDescription);
        Assert.DoesNotContain("`", help.FullDescription);
        Assert.StartsWith("Cause. " + help.FullDescription, help.Text);
        Assert.Contains("\n\nExample.\n\n", help.Text);
        Assert.Contains("\n\nFix. ", help.Text);
        Assert.Contains($" {code}: ", help.Text, $"{code}: the help must be the code's own section, with its example line");
        Assert.StartsWith("**Cause.**", help.Markdown);
        Assert.Contains("\n\n**Fix.** ", help.Markdown);
        Assert.Contains("```", help.Markdown);
        Assert.DoesNotContain("<a id=", help.Markdown);
        Assert.DoesNotContain("## ", help.Markdown);
    }

    /// <summary>
    /// Plans that trigger each contract code: (code, text to replace in <see cref="Cli.PlanFixtures.ValidManifest"/>,
    /// replacement). A null "from" replaces the whole document. E006/I006 depend on the machine's Python and are
    /// covered by the validator's own tests.
    /// </summary>
    public static IEnumerable<object?[]> ContractExamples =>
    [
        ["E000", null, "{\"work_orders\": []}"],
        ["E001", "\"id\": \"WO-02\"", "\"id\": \"WO-03\""],
        ["E003", "\"dotnet build src/Calc/Calc.csproj\"", "\"dotnet test tests/Calc.Tests > log.txt\""],
        ["E004", "\"context_files\": [\"src/Calc/Calc.csproj\", \"src/Calc/Adder.cs\"]", "\"context_files\": [\"src/*.cs\"]"],
        ["E005", "[\"dotnet build src/Calc/Calc.csproj\"]", "[]"],
        ["E007", "\"dotnet build src/Calc/Calc.csproj\"", "\"echo 'unterminated\""],
        ["E101", "\"preconditions\": [{\"kind\": \"file_exists\", \"path\": \"src/Calc/Calc.csproj\"}]", "\"preconditions\": [{\"kind\": \"file_exists\", \"path\": \"src/Calc/Parser.cs\"}]"],
        ["E102", "[{\"kind\": \"file_absent\", \"path\": \"src/Calc/Calc.csproj\"}]", "[{\"kind\": \"file_exists\", \"path\": \"src/a.cs\"}, {\"kind\": \"file_absent\", \"path\": \"src/a.cs\"}]"],
        ["E103", "\"allowed_files\": [\"src/Calc/Calc.csproj\", \"src/Calc/Adder.cs\"]", "\"allowed_files\": [\"src/Calc/Calc.csproj\"]"],
        ["E104", "\"allowed_files\": [\"src/Calc/Calc.csproj\", \"src/Calc/Adder.cs\"]", "\"allowed_files\": [\"src/Calc/Calc.csproj\", \"src/Calc/Adder.cs\", \"src/Calc/Extra.cs\"]"],
        ["E105", "\"dotnet build tests/Calc.Tests/Calc.Tests.csproj\"", "\"dotnet test ./tests/Calc.Tests/Calc.Tests.csproj\""],
        ["E106", "\"requires\": [{\"kind\": \"file_exists\", \"path\": \"tests/Calc.Tests/Calc.Tests.csproj\"}]", "\"requires\": [{\"kind\": \"file_exists\", \"path\": \"tests/Calc.Tests/Integration.cs\"}]"],
        ["W101", "\"dotnet build src/Calc/Calc.csproj\"", "\"dotnet build tests/Calc.Tests/Calc.Tests.csproj\""],
        ["W102", "\"forbidden\": [\"network access\"]", "\"postcondition\": [], \"forbidden\": [\"network access\"]"],
        ["W105", "\"context_files\": [\"src/Calc/Calc.csproj\", \"src/Calc/Adder.cs\"]", "\"context_files\": [\"src/Calc/Calc.csproj\", \"src/Calc/Adder.cs\", \"src/Calc/Calc.cproj\"]"],
        ["E107", "\"title\": \"Unit tests\",", "\"title\": \"Unit tests\", \"depends_on\": [\"WO-1\"],"],
        ["E108", "\"title\": \"Library project\",", "\"title\": \"Library project\", \"depends_on\": [\"WO-02\"],"],
        ["E109", null, DagPlan(wo2Allowed: "src/lib/slug.cs")],
        ["E110", null, DagPlan(wo1Context: "src/Lib/Words.cs", wo2Allowed: "src/Lib/Words.cs")],
        ["E111", null, DagPlan(wo2Requires: "src/Lib/Slug.cs")],
        ["W103", null, DagPlan(wo2Allowed: "src/Lib/Slug.cs", wo2DependsOn: "\"WO-01\"")],
    ];

    /// <summary>
    /// Two work orders that may run in parallel (<c>depends_on: []</c>): WO-01 creates <c>src/Lib/Slug.cs</c>, WO-02
    /// writes <paramref name="wo2Allowed"/>; the other parameters add the reads, requirements and dependencies each
    /// DAG rule is about.
    /// </summary>
    private static string DagPlan(string wo2Allowed = "src/Lib/Words.cs", string? wo1Context = null, string? wo2Requires = null, string wo2DependsOn = "") => $$"""
        {
          "system_overview": ["A text library."],
          "verify_contract": {"command": "dotnet build src/Lib/Lib.csproj", "requires": []},
          "work_orders": [
            {
              "id": "WO-01", "title": "Slug", "intent": "Add Slug.Create.", "depends_on": [],
              "preconditions": [{"kind": "file_absent", "path": "src/Lib/Slug.cs"}],
              "postconditions": [{"kind": "file_exists", "path": "src/Lib/Slug.cs"}],
              "allowed_files": ["src/Lib/Slug.cs"], "forbidden": [], "acceptance_commands": ["dotnet build src/Lib/Lib.csproj"],
              "context_files": [{{(wo1Context is null ? "" : $"\"{wo1Context}\"")}}], "notes": null
            },
            {
              "id": "WO-02", "title": "Words", "intent": "Add Words.Split.", "depends_on": [{{wo2DependsOn}}],
              "preconditions": [{{(wo2Requires is null ? "" : $"{{\"kind\": \"file_exists\", \"path\": \"{wo2Requires}\"}}")}}],
              "postconditions": [{"kind": "file_exists", "path": "{{wo2Allowed}}"}],
              "allowed_files": ["{{wo2Allowed}}"], "forbidden": [], "acceptance_commands": ["dotnet build src/Lib/Lib.csproj"],
              "context_files": [], "notes": null
            }
          ]
        }
        """;

    /// <summary>
    /// The example line of each contract code is what the validator prints for a real plan, so the docs cannot
    /// drift from the messages. (The JSON excerpt in the docs is abridged; the line comes from the full plan.)
    /// </summary>
    [TestMethod]
    [DynamicData(nameof(ContractExamples))]
    public void Contract_example_lines_are_real_validator_output(string code, string? from, string to)
    {
        var text = from is null ? to : Cli.PlanFixtures.ReplaceOnce(Cli.PlanFixtures.ValidManifest, from, to);
        var document = LlmCompiler.Contracts.ContractReader.ReadManifest(LlmCompiler.Contracts.Json.SourceText.FromString("plan.json", text));
        var result = LlmCompiler.Validation.PlanValidator.Validate(document, new LlmCompiler.Validation.ValidationOptions { CheckPythonSyntax = false });
        var diagnostic = result.Diagnostics.FirstOrDefault(d => d.Code == code);
        Assert.IsNotNull(diagnostic, $"the example plan for {code} produced: {string.Join(" | ", result.Diagnostics)}");

        var line = diagnostic.ToCanonicalString();
        Assert.Contains(line, SectionOf(code), $"docs/diagnostics.md must show the real line for {code}:\n{line}");
    }

    /// <summary>From a code's anchor up to the next anchor (or the end).</summary>
    private static string SectionOf(string code)
    {
        var text = Document.Value;
        var anchor = $"<a id=\"{code.ToLowerInvariant()}\"></a>";
        var start = text.IndexOf(anchor, StringComparison.Ordinal);
        Assert.IsGreaterThanOrEqualTo(0, start, $"no anchor for {code}");
        var next = text.IndexOf("<a id=\"", start + anchor.Length, StringComparison.Ordinal);
        return text[start..(next < 0 ? text.Length : next)].Replace("\r\n", "\n", StringComparison.Ordinal);
    }
}
