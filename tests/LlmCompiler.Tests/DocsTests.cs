using System.Text.RegularExpressions;
using LlmCompiler.Diagnostics;

namespace LlmCompiler.Tests;

/// <summary>
/// Keeps <c>docs/diagnostics.md</c> in step with <see cref="DiagnosticCatalog"/>: every code has a stable
/// anchor, a heading with its catalog title, a cause, an example line with its code and severity, and a fix;
/// no anchor exists for a code the catalog does not know.
/// </summary>
[TestClass]
public sealed partial class DocsTests
{
    private static readonly Lazy<string> Document = new(() => File.ReadAllText(Path.Combine(RepoRoot(), "docs", "diagnostics.md")));

    [GeneratedRegex("""<a id="(?<id>[^"]+)"></a>""")]
    private static partial Regex AnchorPattern();

    public static IEnumerable<object[]> Codes => DiagnosticCatalog.Descriptors.Select(d => new object[] { d.Code });

    [TestMethod]
    public void AnchorsAreExactlyTheCatalogCodes()
    {
        var anchors = AnchorPattern().Matches(Document.Value).Select(m => m.Groups["id"].Value).ToList();
        var expected = DiagnosticCatalog.Descriptors.Select(d => d.Code.ToLowerInvariant()).ToList();

        CollectionAssert.AreEqual(expected, anchors, "one anchor per catalog code, in catalog order, and nothing else");
    }

    [TestMethod]
    [DynamicData(nameof(Codes))]
    public void EveryCodeHasHeadingCauseExampleAndFix(string code)
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
    public void EveryExampleShowsTheExactDiagnosticLineShape(string code)
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
    public void HelpLinksPointAtTheAnchors()
    {
        foreach (var d in DiagnosticCatalog.Descriptors)
        {
            var link = DiagnosticCatalog.HelpLinkFor(d.Code);
            Assert.EndsWith("docs/diagnostics.md#" + d.Code.ToLowerInvariant(), link);
            Assert.IsTrue(Uri.IsWellFormedUriString(link, UriKind.Absolute), link);
            Assert.AreEqual(link, DiagnosticCatalog.Create(d.Code, "m").HelpLink);
        }
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

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LlmCompiler.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("LlmCompiler.sln not found above " + AppContext.BaseDirectory);
    }
}
