using System.Diagnostics;
using System.Globalization;
using LlmCompiler.Processes;
using LlmCompiler.Sandbox;

namespace LlmCompiler.Benchmarks;

/// <summary>
/// The sandbox's added cost per command: the same program run through <see cref="ProcessRunner"/> directly and inside
/// bubblewrap with the mounts an attempt uses (read-only root, private /tmp, a masked checkout with its git dir
/// re-exposed, a writable worktree and scratch home), interleaved so machine load hits both alike.
/// </summary>
internal static class SandboxOverhead
{
    public static int Run(string[] args)
    {
        var runs = args.Length > 1 && int.TryParse(args[1], out var n) && n > 0 ? n : 31;
        var availability = Bubblewrap.Probe();
        if (!availability.Available)
        {
            Console.Error.WriteLine($"no sandbox here: {availability.Description}");
            return 1;
        }
        var root = Path.Combine(Path.GetTempPath(), "llmc-sandbox-bench-" + Guid.NewGuid().ToString("N")[..8]);
        var checkout = Directory.CreateDirectory(Path.Combine(root, "checkout")).FullName;
        var gitDir = Directory.CreateDirectory(Path.Combine(checkout, ".git")).FullName;
        var worktree = Directory.CreateDirectory(Path.Combine(root, "worktree")).FullName;
        var tmp = Directory.CreateDirectory(Path.Combine(root, "scratch", "tmp")).FullName;
        var home = Directory.CreateDirectory(Path.Combine(root, "scratch", "home")).FullName;
        try
        {
            var program = ExecutableResolver.FromPath("true") ?? "/bin/true";
            var mounts = new SandboxMounts
            {
                WorkingDirectory = worktree, PrivateTmp = tmp, Writable = [worktree, home],
                MaskedDirectories = [checkout], ReadOnlyReexposed = [gitDir],
            };
            var direct = new ProcessSpec(program, [], worktree);
            var sandboxed = new ProcessSpec(availability.Executable!, Bubblewrap.Arguments(mounts, [program]), worktree);
            Measure(direct);
            Measure(sandboxed);
            var plain = new List<double>();
            var boxed = new List<double>();
            for (var i = 0; i < runs; i++)
            {
                plain.Add(Measure(direct));
                boxed.Add(Measure(sandboxed));
            }
            var p = Median(plain);
            var b = Median(boxed);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"command: {program}, {runs} interleaved runs each, {Environment.ProcessorCount} cores, {availability.Description}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"unsandboxed median: {p:0.0} ms"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sandboxed median:   {b:0.0} ms"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"added per command:  {b - p:0.0} ms (target: under 50 ms)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median ratio:       {b / p:0.00}"));
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static double Measure(ProcessSpec spec)
    {
        var clock = Stopwatch.StartNew();
        var result = ProcessRunner.RunAsync(spec).GetAwaiter().GetResult();
        if (!result.Succeeded) throw new InvalidOperationException($"{spec.FileName} failed: {result.StderrTail}");
        return clock.Elapsed.TotalMilliseconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
