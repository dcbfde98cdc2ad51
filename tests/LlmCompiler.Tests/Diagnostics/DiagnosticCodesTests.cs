using System.Reflection;
using System.Text.RegularExpressions;
using LlmCompiler.Diagnostics;

namespace LlmCompiler.Tests.Diagnostics;

/// <summary>
/// Diagnostics are raised by name: every catalog code has a <see cref="DiagnosticCodes"/> constant and the engine
/// and front-ends use those, never a literal, so "find references" shows where a rule fires and a typo fails the build.
/// </summary>
[TestClass]
public sealed partial class DiagnosticCodesTests
{
    [TestMethod]
    public void Every_catalog_code_has_exactly_one_named_constant()
    {
        var constants = typeof(DiagnosticCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral).Select(f => (Name: f.Name, Code: (string)f.GetRawConstantValue()!)).ToList();

        CollectionAssert.AreEquivalent(DiagnosticCatalog.Descriptors.Select(d => d.Code).ToArray(), constants.Select(c => c.Code).ToArray());
        Assert.AreEqual(constants.Count, constants.Select(c => c.Code).Distinct().Count(), "two names for one code");
    }

    [TestMethod]
    public void No_source_file_raises_a_diagnostic_by_a_literal_code()
    {
        var src = Path.Combine(SourceTree.Root, "src");
        var offenders = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => Path.GetFileName(f) is not ("DiagnosticCodes.cs" or "DiagnosticCatalog.cs"))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: f, Line: i + 1, Text: line)))
            .Where(l => QuotedCode().IsMatch(l.Text))
            .Select(l => $"{Path.GetRelativePath(src, l.File)}({l.Line}): {l.Text.Trim()}")
            .ToList();

        Assert.IsEmpty(offenders, "use DiagnosticCodes.<Name> instead:\n" + string.Join("\n", offenders));
    }

    [GeneratedRegex(@"(?<![\w$@])""[EWI]\d{3}""")]
    private static partial Regex QuotedCode();
}
