using System.Text.RegularExpressions;

namespace LlmCompiler.Factory.TestsFirst;

/// <summary>The verdict on the tests written first, run against the baseline without the implementation.</summary>
public enum RedKind
{
    /// <summary>Failing for the right reason: a frozen test fails, or the build fails only for symbols the implementation will add.</summary>
    Red,

    /// <summary>E220: acceptance passes without the implementation.</summary>
    NotRed,

    /// <summary>E221: it fails, but not because the behaviour is missing (restore, MSBuild, syntax, failures elsewhere).</summary>
    WrongReason,
}

public sealed record RedVerdict(RedKind Kind, string Explanation, RedEvidence? Evidence);

/// <summary>
/// Judges the red run of tests written first. Test outcomes come from the TRX files the test hosts wrote; compiler
/// errors come from MSBuild's canonical error lines (<c>file(line,col): error CS0246: …</c>), the one stable text
/// format a failed build has (it writes no results file).
/// </summary>
public static partial class RedClassifier
{
    /// <summary>Errors that say a name does not exist yet: what tests written before their implementation cause.</summary>
    public static readonly IReadOnlySet<string> MissingSymbolCodes = new HashSet<string>(StringComparer.Ordinal)
    {
        "CS0246", "CS0234", "CS0103", "CS0117", "CS1061", "CS1501", "CS7036", "CS0426", "CS0122", "CS1503", "CS0029",
    };

    [GeneratedRegex(@"^\s*(?<file>[^\s][^(\r\n]*?)\((?<line>\d+),(?<col>\d+)(?:,\d+,\d+)?\)\s*:\s*error\s+(?<code>[A-Z]{2,}\d{3,5})\s*:\s*(?<message>.*?)(?:\s+\[[^\]]*\])?\s*$", RegexOptions.None)]
    private static partial Regex PositionedError();

    [GeneratedRegex(@":\s*error\s+(?<code>[A-Z]{2,}\d{3,5})\s*:\s*(?<message>.*?)(?:\s+\[[^\]]*\])?\s*$", RegexOptions.None)]
    private static partial Regex AnyError();

    /// <param name="acceptancePassed">Every acceptance command exited 0.</param>
    /// <param name="results">The test results of the run.</param>
    /// <param name="output">The commands' output (stdout and stderr), machine paths already made repository-relative.</param>
    /// <param name="frozen">The tests as written (paths, contents).</param>
    public static RedVerdict Classify(bool acceptancePassed, IReadOnlyList<TestOutcome> results, string output, FrozenTestSet frozen)
    {
        if (acceptancePassed)
        {
            return new(RedKind.NotRed, results.Count == 0
                ? "the acceptance commands pass without the implementation, and no test result was recorded: the tests test nothing the acceptance runs"
                : $"the acceptance commands pass without the implementation ({results.Count(r => r.Passed)} test(s) passed): the work order is already done, or the tests do not test it", null);
        }
        var failingFrozen = results.Where(r => r.Failed && frozen.IsFrozenTest(r)).Select(r => r.FullName).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (failingFrozen.Count > 0)
        {
            return new(RedKind.Red, $"{failingFrozen.Count} frozen test(s) fail: {string.Join(", ", failingFrozen.Take(5))}", new RedEvidence("failing-tests", failingFrozen, []));
        }
        var errors = Errors(output);
        if (errors.Count == 0)
        {
            var failingElsewhere = results.Where(r => r.Failed).Select(r => r.FullName).Distinct(StringComparer.Ordinal).ToList();
            return new(RedKind.WrongReason, failingElsewhere.Count > 0
                ? $"the tests that fail are not in the frozen files: {string.Join(", ", failingElsewhere.Take(5))}"
                : "acceptance fails, but neither a frozen test nor the build failed: the failure has another cause", null);
        }
        var wrong = errors.FirstOrDefault(e => !MissingSymbolCodes.Contains(e.Code) || e.File is null || !frozen.Files.Any(f => PathEndsWith(e.File, f.Path)));
        if (wrong is not null)
        {
            var where = wrong.File is null ? "" : $" in {wrong.File}";
            var why = MissingSymbolCodes.Contains(wrong.Code) ? "a missing symbol outside the frozen tests" : wrong.Code.StartsWith("NU", StringComparison.Ordinal) ? "a restore error" : wrong.Code.StartsWith("MSB", StringComparison.Ordinal) ? "an MSBuild error" : "a compiler error that is not a missing symbol";
            return new(RedKind.WrongReason, $"the build fails with {why}{where}: {wrong.Code} {wrong.Message}", null);
        }
        var codes = errors.Select(e => $"{e.Code} {e.File}({e.Line})").Distinct(StringComparer.Ordinal).ToList();
        return new(RedKind.Red, $"the build fails only for missing symbols in the frozen tests: {string.Join(", ", codes.Take(5))}", new RedEvidence("missing-symbols", [], codes));
    }

    private sealed record BuildError(string Code, string? File, int Line, string Message);

    private static List<BuildError> Errors(string output)
    {
        var errors = new List<BuildError>();
        foreach (var line in output.Split('\n'))
        {
            if (PositionedError().Match(line) is { Success: true } p)
            {
                errors.Add(new BuildError(p.Groups["code"].Value, p.Groups["file"].Value.Trim().Replace('\\', '/'), int.Parse(p.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture), p.Groups["message"].Value.Trim()));
            }
            else if (AnyError().Match(line) is { Success: true } a)
            {
                errors.Add(new BuildError(a.Groups["code"].Value, null, 0, a.Groups["message"].Value.Trim()));
            }
        }
        // MSBuild repeats every error in its summary: the same error twice is one.
        return [.. errors.DistinctBy(e => (e.Code, e.File, e.Line, e.Message))];
    }

    private static bool PathEndsWith(string file, string repoPath) =>
        file.Equals(repoPath, StringComparison.OrdinalIgnoreCase) || file.EndsWith("/" + repoPath, StringComparison.OrdinalIgnoreCase);
}
