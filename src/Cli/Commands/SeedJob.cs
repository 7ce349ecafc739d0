using System.Diagnostics;
using System.Text.Json;
using FineTuneMesh.Core;
using FineTuneMesh.Core.Lora;
using FineTuneMesh.Prompts;
using FineTuneMesh.Core.Training;
using static TorchSharp.torch;

namespace FineTuneMesh.Cli.Commands;

/// <summary>
/// "The seed's job", timed end to end as a user would run it: 50 short Python Q&amp;A records in the
/// seed template, 3 epochs with the train command's defaults (LoRA r=8 on q_proj,v_proj, batch 4),
/// from loading the model folder to the written adapter.
/// </summary>
public static class SeedJob
{
    public const string Template = "### You asked:\n{question}\n\n### The answer is:\n{answer}\n### DONE!";

    private static readonly (string Question, string Answer)[] _records =
    [
        ("What is a list in Python?", "An ordered, mutable sequence written with square brackets."),
        ("What is a tuple?", "An ordered sequence that cannot be changed after it is made."),
        ("What is a dict?", "A mapping from keys to values."),
        ("What is a set?", "An unordered collection of unique items."),
        ("How do I get the length of a list?", "Call len(items)."),
        ("How do I add an item to a list?", "Use items.append(x)."),
        ("How do I remove the last item of a list?", "Use items.pop()."),
        ("How do I sort a list in place?", "Call items.sort()."),
        ("How do I get a sorted copy of a list?", "Use sorted(items)."),
        ("How do I reverse a string?", "Slice it: text[::-1]."),
        ("How do I check if a key is in a dict?", "Write key in mapping."),
        ("How do I read a value with a default?", "Use mapping.get(key, default)."),
        ("What does range(5) give?", "The numbers 0 to 4."),
        ("How do I loop with an index?", "Use for i, x in enumerate(items)."),
        ("How do I loop over two lists together?", "Use zip(a, b)."),
        ("What is a list comprehension?", "A short way to build a list: [x * 2 for x in items]."),
        ("What is None?", "The object that means no value."),
        ("How do I test for None?", "Write x is None."),
        ("What is a lambda?", "A small anonymous function, like lambda x: x + 1."),
        ("How do I define a function?", "Use def name(args): and an indented body."),
        ("What does return do?", "It ends the function and gives back a value."),
        ("What is a default argument?", "A parameter value used when the caller gives none."),
        ("What are *args?", "Extra positional arguments collected into a tuple."),
        ("What are **kwargs?", "Extra keyword arguments collected into a dict."),
        ("How do I open a file for reading?", "Use with open(path) as f:."),
        ("How do I read all lines of a file?", "Call f.readlines() or loop over f."),
        ("How do I write text to a file?", "Open it with 'w' and call f.write(text)."),
        ("What does with do?", "It closes or releases the resource when the block ends."),
        ("How do I catch an error?", "Use try: and except SomeError:."),
        ("How do I raise an error?", "Write raise ValueError('message')."),
        ("What is finally for?", "Code that runs whether or not an error happened."),
        ("How do I import a module?", "Write import name."),
        ("How do I import one name from a module?", "Write from module import name."),
        ("What is a class?", "A blueprint for objects with data and methods."),
        ("What is self?", "The instance a method was called on."),
        ("What is __init__?", "The method that sets up a new instance."),
        ("How do I inherit from a class?", "Write class Child(Parent):."),
        ("What is a generator?", "A function that yields values one at a time."),
        ("What does yield do?", "It hands out a value and pauses the function."),
        ("How do I convert a string to an int?", "Call int(text)."),
        ("How do I format a number into a string?", "Use an f-string: f'{x:.2f}'."),
        ("How do I split a string on commas?", "Call text.split(',')."),
        ("How do I join words with spaces?", "Call ' '.join(words)."),
        ("How do I strip spaces from a string?", "Call text.strip()."),
        ("How do I make a string upper case?", "Call text.upper()."),
        ("What is a virtual environment?", "An isolated folder of packages for one project."),
        ("How do I install a package?", "Run pip install name."),
        ("What is PEP 8?", "Python's style guide."),
        ("How do I copy a list?", "Use items.copy() or list(items)."),
        ("What is the difference between == and is?", "== compares values; is compares identity."),
    ];

    public sealed record Result(int Examples, double MeanTokens, int Steps, double LoadSeconds, double DataSeconds,
        double TrainSeconds, double SaveSeconds, double TotalSeconds, double FirstLoss, double LastLoss);

    public static Result Run(string folder, ScalarType dtype, IReadOnlyList<int>? layers, CancellationToken cancellationToken)
    {
        var scratch = Path.Combine(Path.GetTempPath(), $"ftm-seed-job-{Guid.NewGuid():N}");
        Directory.CreateDirectory(scratch);
        try
        {
            var dataPath = Path.Combine(scratch, "data.jsonl");
            File.WriteAllLines(dataPath, _records.Select(r => JsonSerializer.Serialize(new { question = r.Question, answer = r.Answer })));
            var lora = new LoraSettings { LayersToTransform = layers };                     // r=8, alpha 16, q_proj,v_proj
            var options = new TrainingOptions();                                            // 3 epochs, batch 4, lr 2e-4

            var clock = Stopwatch.StartNew();
            using var model = LanguageModel.Load(folder, dtype);
            var load = clock.Elapsed.TotalSeconds;
            var examples = DatasetReader.Read(dataPath, model.Tokenizer, options.MaxSequenceLength, PromptTemplate.Parse(Template));
            var adapters = LoraApplier.Apply(model.Network, lora, options.Seed);
            var data = clock.Elapsed.TotalSeconds;
            var steps = new StepClock();
            new LoraTrainer(model.Network, options).Train(examples, null, steps, null, cancellationToken);
            var train = clock.Elapsed.TotalSeconds;
            AdapterFiles.Save(Path.Combine(scratch, "adapter"), adapters, lora, folder, revision: null);
            var total = clock.Elapsed.TotalSeconds;
            return new Result(examples.Count, examples.Average(e => e.Length), steps.StepSeconds.Count, load, data - load,
                train - data, total - train, total, steps.Losses[0], steps.Losses[^1]);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }
}
