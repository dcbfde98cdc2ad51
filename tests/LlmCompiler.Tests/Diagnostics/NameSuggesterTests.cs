using LlmCompiler.Diagnostics;

namespace LlmCompiler.Tests.Diagnostics;

[TestClass]
public sealed class NameSuggesterTests
{
    [TestMethod]
    public void The_banded_distance_is_the_full_distance_up_to_its_bound_and_bound_plus_one_beyond()
    {
        var random = new Random(11);
        const string alphabet = "ab/c.";
        for (var round = 0; round < 5_000; round++)
        {
            var a = new string([.. Enumerable.Range(0, random.Next(0, 12)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
            var b = new string([.. Enumerable.Range(0, random.Next(0, 12)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
            var bound = random.Next(0, 6);
            var full = Levenshtein(a, b);
            Assert.AreEqual(full <= bound ? full : bound + 1, NameSuggester.BoundedDistance(a, b, bound), $"'{a}' '{b}' bound {bound}");
        }
    }

    [TestMethod]
    [DataRow("src/App/App.csproj", "src/App/App.csproj", 3, 0)]
    [DataRow("src/App/App.csproj", "src/App/app.csproj", 3, 1)]
    [DataRow("src/App/Module1.cs", "src/App/App.csproj", 3, 4)]
    [DataRow("", "abc", 3, 3)]
    [DataRow("abcd", "", 3, 4)]
    public void Known_pairs(string a, string b, int bound, int expected) =>
        Assert.AreEqual(expected, NameSuggester.BoundedDistance(a, b, bound));

    [TestMethod]
    [DataRow("exector", "executor")]
    [DataRow("EXECUTOR", "executor")]
    [DataRow("revewer", "reviewer")]
    [DataRow("planer", "planner")]
    public void Suggest_finds_the_name_within_two_edits_ignoring_case(string misspelt, string expected) =>
        Assert.AreEqual(expected, NameSuggester.Suggest(misspelt, ["planner", "test_author", "executor", "escalation", "reviewer"]));

    [TestMethod]
    public void Suggest_offers_nothing_beyond_two_edits_and_breaks_ties_in_ordinal_order()
    {
        Assert.IsNull(NameSuggester.Suggest("xyz", ["planner", "executor"]));
        Assert.AreEqual("ab", NameSuggester.Suggest("aa", ["ba", "ab"]));
    }

    // The textbook full-matrix distance: the oracle the banded one is checked against.
    private static int Levenshtein(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
        }
        return d[a.Length, b.Length];
    }
}
