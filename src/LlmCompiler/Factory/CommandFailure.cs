using System.Text;
using System.Text.RegularExpressions;

namespace LlmCompiler.Factory;

/// <summary>
/// Turns the output of a failed verify or acceptance command into what a person and a model need: the first real
/// error line (an MSBuild/compiler error, a failed test, an assertion) for the diagnostic, and an excerpt that keeps
/// every error line and the tail within the brief's budget. The excerpt is made deterministic — worktree and
/// scratch paths repository-relative or named, durations and timestamps masked — so a retry prompt is the same on
/// every machine and checkout folder, and a recorded retry replays (Grpc.Tools' error filters, design-review §5.5).
/// </summary>
public sealed partial class CommandFailure
{
    private const int MaxErrorLines = 40;
    private const int ErrorSectionBudget = 1200;

    private readonly IReadOnlyList<(string Literal, string Token)> _paths;

    /// <param name="paths">Machine-specific folders and the token each becomes (longest first is not required).</param>
    public CommandFailure(IEnumerable<(string Literal, string Token)> paths) =>
        _paths = [.. paths.Where(p => p.Literal.Length > 1).OrderByDescending(p => p.Literal.Length)];

    /// <summary>The first line that says what went wrong, or null when none is recognised.</summary>
    public string? FirstError(string stdout, string stderr)
    {
        var lines = Lines(Normalize(stdout)).Concat(Lines(Normalize(stderr))).ToList();
        foreach (var rank in new[] { 0, 1, 2 })
        {
            for (var i = 0; i < lines.Count; i++)
            {
                if (Rank(lines[i]) != rank) continue;
                var line = lines[i].Trim();
                // A failed-test line alone says which test; the assertion below it says why.
                if (rank == 1 && FollowingAssertion(lines, i) is { } why) line += " — " + why;
                return Shorten(line, 400);
            }
        }
        return null;
    }

    /// <summary>
    /// The brief's excerpt: the error lines (deduplicated, at most <see cref="ErrorSectionBudget"/> characters), then
    /// the tail of stderr and stdout in what is left of <paramref name="budget"/>.
    /// </summary>
    public string Excerpt(string stdout, string stderr, int budget)
    {
        var normalizedOut = Normalize(stdout);
        var normalizedErr = Normalize(stderr);
        var errors = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var all = Lines(normalizedOut).Concat(Lines(normalizedErr)).ToList();
        for (var i = 0; i < all.Count && errors.Count < MaxErrorLines; i++)
        {
            if (Rank(all[i]) < 0 && !IsAssertionDetail(all[i])) continue;
            var line = StripProjectSuffix(all[i].Trim());
            if (line.Length > 0 && seen.Add(line)) errors.Add(Shorten(line, 300));
        }
        var sb = new StringBuilder();
        if (errors.Count > 0)
        {
            sb.Append("[errors]\n");
            foreach (var line in errors)
            {
                if (sb.Length + line.Length + 1 > ErrorSectionBudget) break;
                sb.Append(line).Append('\n');
            }
        }
        var remaining = Math.Max(200, budget - sb.Length);
        var streams = new List<(string Name, string Text)>();
        var tailOut = WithoutProgress(normalizedOut);
        var tailErr = WithoutProgress(normalizedErr);
        if (tailErr.Trim().Length > 0) streams.Add(("stderr", tailErr.TrimEnd()));
        if (tailOut.Trim().Length > 0) streams.Add(("stdout", tailOut.TrimEnd()));
        var shares = Shares(streams, remaining);
        for (var i = 0; i < streams.Count; i++)
        {
            var (name, text) = streams[i];
            var share = shares[i];
            sb.Append('[').Append(name).Append(text.Length > share ? ", last part" : "").Append("]\n");
            sb.Append(text.Length > share ? "…" + text[^Math.Max(0, share - 1)..] : text).Append('\n');
        }
        return sb.ToString().TrimEnd();
    }

    /// <summary>
    /// The characters of tail each stream may show: an equal split of <paramref name="budget"/>, where what a short
    /// stream does not need goes to the others (a two-line stderr must not halve a long stdout's tail). The header
    /// and newline count against the share, so the excerpt stays within the budget (the caller truncates anything
    /// longer, which would cut the tail's last lines).
    /// </summary>
    private static int[] Shares(List<(string Name, string Text)> streams, int budget)
    {
        var shares = new int[streams.Count];
        var left = budget;
        var order = Enumerable.Range(0, streams.Count).OrderBy(i => streams[i].Text.Length).ToList();
        for (var k = 0; k < order.Count; k++)
        {
            var i = order[k];
            var overhead = $"[{streams[i].Name}, last part]\n".Length + 1;
            var allotted = Math.Min(streams[i].Text.Length + overhead, left / (order.Count - k));
            shares[i] = allotted - overhead;
            left -= allotted;
        }
        return shares;
    }

    /// <summary>Machine- and run-specific text replaced by stable tokens.</summary>
    public string Normalize(string text)
    {
        if (text.Length == 0) return text;
        // A Windows tool's CRLF would make the same failure a different prompt (and cassette key).
        text = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        foreach (var (literal, token) in _paths)
        {
            text = text.Replace(literal + "/", token.Length == 0 ? "" : token + "/", StringComparison.Ordinal);
            // Only where the path ends: /w/attempt must not turn /w/attempt2 into .2.
            var bare = token.Length == 0 ? "." : token;
            text = Regex.Replace(text, Regex.Escape(literal) + @"(?![\w-])", _ => bare, RegexOptions.CultureInvariant);
        }
        text = XunitTimestamp().Replace(text, "[xUnit.net 00:00:00.00]");
        text = RestoreTiming().Replace(text, "(in N ms)");
        text = ElapsedTime().Replace(text, "Time Elapsed 00:00:00.00");
        text = DurationField().Replace(text, "${label}N ms");
        text = BracketDuration().Replace(text, "[N ms]");
        text = TrxFileName().Replace(text, "<trx>");
        text = IsoTimestamp().Replace(text, "<timestamp>");
        text = Guid().Replace(text, "<guid>");
        return text;
    }

    /// <summary>
    /// The output without the build's progress lines (restore, "Project -> output", totals). They tell the model
    /// nothing, and their order follows which project finished first, so keeping them would make the same failure a
    /// different prompt from run to run (and a recorded retry would not replay).
    /// </summary>
    private static string WithoutProgress(string text) =>
        string.Join('\n', Lines(text).Where(line => !ProgressLine().IsMatch(line)));

    /// <summary>0: compiler or MSBuild error; 1: a failed test; 2: an assertion or exception line; −1: anything else.</summary>
    private static int Rank(string line)
    {
        if (CanonicalError().IsMatch(line)) return 0;
        if (FailedTest().IsMatch(line)) return 1;
        if (AssertionLine().IsMatch(line)) return 2;
        return -1;
    }

    private static bool IsAssertionDetail(string line) => AssertionDetail().IsMatch(line);

    private static string? FollowingAssertion(List<string> lines, int index)
    {
        for (var j = index + 1; j < Math.Min(lines.Count, index + 6); j++)
        {
            var text = lines[j].Trim();
            if (text.Length == 0 || text.StartsWith("Error Message:", StringComparison.Ordinal) || text.StartsWith("Stack Trace:", StringComparison.Ordinal)) continue;
            if (Rank(lines[j]) == 1) return null;
            return Shorten(text, 250);
        }
        return null;
    }

    private static IEnumerable<string> Lines(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');

    private static string StripProjectSuffix(string line) => ProjectSuffix().Replace(line, "");

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    // file(line,col): error CS0103: …   /   MSBUILD : error MSB1009: …   /   error NU1101: …
    [GeneratedRegex(@"(^|\s|\))(error|fatal error) [A-Z]{1,9}\d{2,6}\s*:", RegexOptions.CultureInvariant)]
    private static partial Regex CanonicalError();

    // VSTest "  Failed Ns.Class.Method [12 ms]" (also "Failed Ns.Class.Method(title: "A b") [3 ms]"), xUnit "[FAIL]", MSTest/VSTest "Failed!  - Failed: 1"
    [GeneratedRegex(@"^\s*(Failed\s+(\S+(\s+\[|\s*$)|\S.*\s\[[^\]]*\b(ms|s|m|h)\]\s*$)|.*\[FAIL\]|Failed!\s+-\s+Failed:\s*[1-9])", RegexOptions.CultureInvariant)]
    private static partial Regex FailedTest();

    [GeneratedRegex(@"(Assert\.\w+ failed|Assert\.\w+\(\) Failure|Assertion failed|Expected[: ].*(but|Actual)|AssertFailedException|Exception: |panicked at|AssertionError|^\s*(FAIL|ERROR):? )", RegexOptions.CultureInvariant)]
    private static partial Regex AssertionLine();

    [GeneratedRegex(@"^\s*(Expected|Actual|But was|expected:|actual:|at .+:line \d+|.*\.cs:line \d+)", RegexOptions.CultureInvariant)]
    private static partial Regex AssertionDetail();

    [GeneratedRegex(@"\s+\[[^\]]+\.(cs|vb|fs|sln|slnx)proj\]\s*$|\s+\[[^\]]+\.sln\]\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex ProjectSuffix();

    [GeneratedRegex(@"^\s*(Determining projects to restore\.\.\.|Restored .+ \(in N ms\)\.|All projects are up-to-date for restore\.|\d+ of \d+ projects are up-to-date for restore\.|[\w.\-]+ -> \S.*|Build succeeded\.|Time Elapsed 00:00:00\.00|\d+ Warning\(s\)|\d+ Error\(s\))\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex ProgressLine();

    [GeneratedRegex(@"\[xUnit\.net \d\d:\d\d:\d\d\.\d+\]", RegexOptions.CultureInvariant)]
    private static partial Regex XunitTimestamp();

    [GeneratedRegex(@"\(in \d+(\.\d+)? (ms|sec)\)", RegexOptions.CultureInvariant)]
    private static partial Regex RestoreTiming();

    [GeneratedRegex(@"Time Elapsed \d\d:\d\d:\d\d(\.\d+)?", RegexOptions.CultureInvariant)]
    private static partial Regex ElapsedTime();

    // VSTest composes longer ones: "Duration: 1 m 41 s", "[2 m 3 s]".
    [GeneratedRegex(@"(?<label>Duration:\s*)\d+(\.\d+)?\s*(ms|s|m|h|sec)\b(\s+\d+(\.\d+)?\s*(ms|s|m|h)\b)*", RegexOptions.CultureInvariant)]
    private static partial Regex DurationField();

    [GeneratedRegex(@"\[(< )?\d+(\.\d+)?\s*(ms|s|m|h)(\s+\d+(\.\d+)?\s*(ms|s|m|h))*\]", RegexOptions.CultureInvariant)]
    private static partial Regex BracketDuration();

    // VSTest's default TRX name: <user>_<machine>_yyyy-MM-dd_HH_mm_ss[_<tfm>].trx
    [GeneratedRegex(@"(?<=[/\\]|^|\s)[^\s/\\]*_\d{4}-\d\d-\d\d_\d\d_\d\d_\d\d(?=(_[^\s/\\]*)?\.trx\b)", RegexOptions.CultureInvariant)]
    private static partial Regex TrxFileName();

    [GeneratedRegex(@"\b\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?", RegexOptions.CultureInvariant)]
    private static partial Regex IsoTimestamp();

    [GeneratedRegex(@"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b", RegexOptions.CultureInvariant)]
    private static partial Regex Guid();
}
