namespace FineTuneMesh.Core.Tokenization;

/// <summary>A few KB of English prose, chat and C#/Python code: the training text of the tiny tokenizer.</summary>
internal static class TinyCorpus
{
    public const string Text = """
        The quick brown fox jumps over the lazy dog. The dog does not seem to mind; it has seen the fox
        before, and it will see the fox again tomorrow. A tokenizer splits text into pieces that a model
        can count, and the pieces that appear most often become single tokens of their own.

        Once upon a time there was a small model that wanted to learn. It read the same story over and
        over, and every time it read the story it remembered a little more of it. The model learned
        that "the" comes before nouns, that sentences end with a period, and that questions end with a
        question mark. What would you like to learn today? I would like to learn how to write code.

        User: Can you help me write a function that adds two numbers?
        Assistant: Of course! Here is a simple function in C# that returns the sum of two integers.
        User: Thank you. Can you also show me the same function in Python?
        Assistant: Sure. In Python you write it with def, and you do not need to declare the types.

        public static int Add(int left, int right)
        {
            return left + right;
        }

        public sealed class Counter
        {
            private int _count;

            public int Increment()
            {
                _count = _count + 1;
                return _count;
            }
        }

        def add(left, right):
            return left + right

        for index in range(10):
            if index % 2 == 0:
                print("even", index)
            else:
                print("odd", index)

        The training loop reads a batch of examples, computes the loss, and updates the weights. When
        the loss stops going down, the learning rate is lowered, and the training continues until the
        model has seen every example several times. The weights are then saved to a checkpoint so that
        the model can be loaded again later and used to answer questions.

        Fine-tuning with low-rank adapters trains only a small number of extra parameters. The base
        model stays frozen, and the adapter learns the difference between what the model already knows
        and what the new task needs. This makes training faster and the saved adapter much smaller
        than the full model. The adapter can be merged into the base weights after training.

        It's a nice day, isn't it? We're going to the park, and they'll meet us there. You've seen the
        lake before; I'd like to show you the garden. She said: "Don't forget the water!" He laughed.

        Numbers: 0 1 2 3 4 5 6 7 8 9 10 42 100 256 1024 2048 3.14159 2.71828 12345.678 2024-05-01
        Prices: $5.99, $12.50, 20% off; temperature 21.5 °C; distance 3 km; time 10:45.

        {"name": "tokenizer", "version": 1, "special": ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]}

        Ein kleiner Text auf Deutsch: Über den Wolken muss die Freiheit wohl grenzenlos sein.
        Un petit texte en français : le café est très bon, et la crème brûlée aussi.
        Un texto en español: la niña come una manzana en el jardín.
        日本語の文章も少しあります。東京は大きな都市です。
        中文：今天天气很好，我们去公园散步吧。
        Emoji: 😀 🎉 👍 ❤️ 🚀

        In the end, the model wrote its own story: the fox and the dog became friends, and they read
        the same book together every evening, one page at a time, until the book was finished.

        """;
}
