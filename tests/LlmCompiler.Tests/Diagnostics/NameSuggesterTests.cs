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
            var full = NameSuggester.Distance(a, b, maxLengthGap: int.MaxValue);
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
}
