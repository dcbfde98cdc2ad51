using System.Text.Json;
using System.Text.RegularExpressions;
using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;
using LlmCompiler.Reporting;
using LlmCompiler.Validation;

namespace LlmCompiler.Tests.Reporting;

[TestClass]
public sealed class ReporterTests
{
    private static readonly Diagnostic Located =
        new("E101", DiagnosticSeverity.Error, "WO-02", "preconditions[0]", "precondition file_exists 'src/a.cs' cannot hold", "plan.json", 12, 9);

    private static readonly Diagnostic Unlocated =
        new("I006", DiagnosticSeverity.Info, null, null, "python not found; E006 checks skipped");

    private static string Render(IDiagnosticReporter reporter, VerifyReport report)
    {
        using var writer = new StringWriter();
        reporter.Write(report, writer);
        return writer.ToString();
    }

    private static VerifyReport Report(params Diagnostic[] diagnostics) =>
        new(diagnostics, [new("WO-01", true), new("WO-02", false)]);

    [TestMethod]
    public void Text_one_canonical_line_per_diagnostic()
    {
        var lines = Render(new TextReporter(), Report(Located, Unlocated)).Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);

        CollectionAssert.AreEqual(
            new[]
            {
                "plan.json(12,9): error E101: precondition file_exists 'src/a.cs' cannot hold [WO-02]",
                "llmc: info I006: python not found; E006 checks skipped",
            },
            lines);
    }

    [TestMethod]
    public void Text_newlines_in_a_message_cannot_forge_a_second_diagnostic_line()
    {
        var hostile = Located with { Message = "command 'x\nplan.json(1,1): error E000: forged' is bad\r\tend" };

        var output = Render(new TextReporter(), Report(hostile));

        Assert.AreEqual(1, output.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries).Length, output);
        Assert.Contains("x\\nplan.json(1,1)", output);
        Assert.Contains("bad\\r\\tend", output);
    }

    [TestMethod]
    public void Json_unlocated_diagnostic_has_null_position_and_all_keys()
    {
        using var doc = JsonDocument.Parse(Render(new JsonReporter(), Report(Unlocated)));

        var d = doc.RootElement.GetProperty("diagnostics")[0];
        Assert.AreEqual("info", d.GetProperty("severity").GetString());
        Assert.AreEqual(JsonValueKind.Null, d.GetProperty("woId").ValueKind);
        Assert.AreEqual(JsonValueKind.Null, d.GetProperty("file").ValueKind);
        Assert.AreEqual(JsonValueKind.Null, d.GetProperty("line").ValueKind);
        Assert.AreEqual(JsonValueKind.Null, d.GetProperty("column").ValueKind);
        var exempt = doc.RootElement.GetProperty("verifyExempt");
        Assert.IsTrue(exempt.GetProperty("WO-01").GetBoolean());
        Assert.IsFalse(exempt.GetProperty("WO-02").GetBoolean());
    }

    [TestMethod]
    public void Json_is_byte_for_byte_stable()
    {
        var report = Report(Located, Unlocated);

        Assert.AreEqual(Render(new JsonReporter(), report), Render(new JsonReporter(), report));
        Assert.AreEqual(Render(new SarifReporter("/work"), report), Render(new SarifReporter("/work"), report));
    }

    [TestMethod]
    public void Sarif_info_is_note_and_unlocated_result_has_no_locations()
    {
        using var doc = JsonDocument.Parse(Render(new SarifReporter(Environment.CurrentDirectory), Report(Unlocated)));

        var result = doc.RootElement.GetProperty("runs")[0].GetProperty("results")[0];
        Assert.AreEqual("note", result.GetProperty("level").GetString());
        Assert.IsFalse(result.TryGetProperty("locations", out _));
        Assert.AreEqual(JsonValueKind.Null, result.GetProperty("properties").GetProperty("woId").ValueKind);
    }

    [TestMethod]
    public void Sarif_absolute_path_under_the_current_directory_becomes_relative()
    {
        var root = Path.Combine(Path.GetTempPath(), "llmc-sarif-root");
        var reporter = new SarifReporter(root);

        Assert.IsTrue(reporter.TryRelativeUri(Path.Combine(root, "plans", "WO 01.json"), out var uri));
        Assert.AreEqual("plans/WO%2001.json", uri);
        Assert.IsTrue(reporter.TryRelativeUri("./plans/./a.json", out uri));
        Assert.AreEqual("plans/a.json", uri);
        Assert.IsFalse(reporter.TryRelativeUri(Path.Combine(Path.GetTempPath(), "elsewhere", "a.json"), out _));
    }

    [TestMethod]
    public void Sarif_path_outside_the_current_directory_gets_a_file_uri()
    {
        var cwd = Path.Combine(Path.GetTempPath(), "llmc-sarif-cwd");
        var outside = Path.Combine(Path.GetTempPath(), "other", "plan.json");
        var report = Report(Located with { File = outside });

        using var doc = JsonDocument.Parse(Render(new SarifReporter(cwd), report));

        var location = doc.RootElement.GetProperty("runs")[0].GetProperty("results")[0].GetProperty("locations")[0]
            .GetProperty("physicalLocation").GetProperty("artifactLocation");
        Assert.AreEqual(new Uri(outside).AbsoluteUri, location.GetProperty("uri").GetString());
        Assert.IsFalse(location.TryGetProperty("uriBaseId", out _));
    }

    [TestMethod]
    [DataRow("a #1.json")]
    [DataRow("100%.json")]
    [DataRow("ä ö?.json")]
    public void Sarif_file_uris_round_trip_odd_names(string name)
    {
        var cwd = Path.Combine(Path.GetTempPath(), "llmc-sarif-cwd");
        var outside = Path.Combine(Path.GetTempPath(), "other dir", name);
        var inside = Path.Combine(cwd, "plans", name);
        var report = Report(Located with { File = outside }, Located with { File = inside });

        using var doc = JsonDocument.Parse(Render(new SarifReporter(cwd), report));

        var results = doc.RootElement.GetProperty("runs")[0].GetProperty("results");
        var absolute = results[0].GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString()!;
        Assert.AreEqual(outside, new Uri(absolute).LocalPath);
        var relative = results[1].GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString()!;
        Assert.IsTrue(Uri.IsWellFormedUriString(relative, UriKind.Relative), relative);
        // A consumer resolves it against %SRCROOT% (§3.14.14), which the log itself defines.
        var root = doc.RootElement.GetProperty("runs")[0].GetProperty("originalUriBaseIds").GetProperty("%SRCROOT%").GetProperty("uri").GetString()!;
        Assert.AreEqual(inside, new Uri(new Uri(root), relative).LocalPath);
    }

    [TestMethod]
    [DataRow("Malformed document structure", "MalformedDocumentStructure")]
    [DataRow("Python syntax error in a python -c acceptance command", "PythonSyntaxErrorInPythonAcceptanceCommand")]
    [DataRow("Work-order id is malformed or not contiguous", "WorkOrderIdIsMalformedOrNotContiguous")]
    [DataRow("LLM output is not parseable JSON", "LlmOutputIsNotParseableJson")]
    [DataRow("A command changed files outside its worktree", "CommandChangedFilesOutsideItsWorktree")]
    [DataRow("verify_exempt work order refused", "VerifyExemptWorkOrderRefused")]
    public void Sarif_rule_names_are_pascal_case_identifiers(string title, string expected) =>
        Assert.AreEqual(expected, SarifReporter.RuleName(title));

    /// <summary>The SARIF validator's own test for a friendly name (SARIF2012): every capital starts a word of two or more.</summary>
    [TestMethod]
    public void Sarif_every_catalog_rule_name_is_what_the_validator_calls_pascal_case()
    {
        var pascal = new Regex(@"^(\p{Lu}[\p{Ll}\p{Nd}]+)+$");
        foreach (var d in DiagnosticCatalog.Descriptors)
        {
            Assert.IsTrue(pascal.IsMatch(SarifReporter.RuleName(d.Title)), $"{d.Code}: {SarifReporter.RuleName(d.Title)}");
        }
    }

    [TestMethod]
    public void Sarif_every_catalog_rule_name_is_distinct()
    {
        var names = DiagnosticCatalog.Descriptors.Select(d => SarifReporter.RuleName(d.Title)).ToList();
        Assert.HasCount(names.Count, names.Distinct(StringComparer.Ordinal).ToList());
    }

    [TestMethod]
    public void Sarif_every_rule_carries_its_help_inline()
    {
        using var doc = JsonDocument.Parse(Render(new SarifReporter(Environment.CurrentDirectory), Report(Located, Unlocated)));

        var rules = doc.RootElement.GetProperty("runs")[0].GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray().ToList();
        Assert.HasCount(DiagnosticCatalog.Descriptors.Count, rules);
        foreach (var rule in rules)
        {
            var code = rule.GetProperty("id").GetString()!;
            var expected = DiagnosticHelp.For(DiagnosticCatalog.Get(code));
            var fullDescription = rule.GetProperty("fullDescription").GetProperty("text").GetString();
            var help = rule.GetProperty("help");
            Assert.IsFalse(string.IsNullOrWhiteSpace(fullDescription), code);
            Assert.IsFalse(string.IsNullOrWhiteSpace(help.GetProperty("text").GetString()), code);
            Assert.IsFalse(string.IsNullOrWhiteSpace(help.GetProperty("markdown").GetString()), code);
            Assert.AreEqual(expected.FullDescription, fullDescription, code);
            Assert.AreEqual(expected.Text, help.GetProperty("text").GetString(), code);
            Assert.AreEqual(expected.Markdown, help.GetProperty("markdown").GetString(), code);
        }
    }

    /// <summary>The project has no public home yet, so any link in the log would lead nowhere.</summary>
    [TestMethod]
    public void Sarif_has_no_help_uri_or_information_uri()
    {
        var sarif = Render(new SarifReporter(Environment.CurrentDirectory), Report(Located, Unlocated));
        using var doc = JsonDocument.Parse(sarif);

        var names = PropertyNames(doc.RootElement).ToHashSet(StringComparer.Ordinal);
        Assert.DoesNotContain("helpUri", names);
        Assert.DoesNotContain("informationUri", names);
        Assert.DoesNotContain("github.com/llmcompiler", sarif);
    }

    [TestMethod]
    public void Sarif_two_runs_are_byte_identical()
    {
        var root = Path.Combine(Path.GetTempPath(), "llmc-sarif-root");
        var report = Report(
            Located with { File = Path.Combine(root, "plans", "WO-02.json") },
            Located with { Code = "W102", Severity = DiagnosticSeverity.Warning, File = "plans/a b.json" },
            Unlocated);

        var first = Render(new SarifReporter(root), report);
        var second = Render(new SarifReporter(root), report);

        Assert.AreEqual(first, second);
    }

    private static IEnumerable<string> PropertyNames(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => PropertyNames(p.Value).Prepend(p.Name)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(PropertyNames),
        _ => [],
    };

    [TestMethod]
    public void Create_warn_as_error_promotes_warnings_only_and_keeps_plan_order()
    {
        var document = ContractReader.ReadManifest(
            LlmCompiler.Contracts.Json.JsonSyntaxParser.Parse("plan.json", Cli.PlanFixtures.ValidManifest));
        var warning = Located with { Code = "W102", Severity = DiagnosticSeverity.Warning };
        var result = new ValidationResult([Located, warning, Unlocated],
            new Dictionary<string, bool> { ["WO-02"] = false, ["WO-01"] = true });

        var report = VerifyReport.Create(document, result, warningsAsErrors: true);

        CollectionAssert.AreEqual(
            new[] { DiagnosticSeverity.Error, DiagnosticSeverity.Error, DiagnosticSeverity.Info },
            report.Diagnostics.Select(d => d.Severity).ToArray());
        Assert.AreEqual("2 error(s), 0 warning(s)", report.Summary);
        CollectionAssert.AreEqual(new[] { "WO-01", "WO-02" }, report.VerifyExempt.Select(p => p.Key).ToArray());
        Assert.IsTrue(report.VerifyExempt[0].Value);
        Assert.AreEqual("1 error(s), 1 warning(s)", VerifyReport.Create(document, result).Summary);
    }
}
