/**
 * The demo datanet: short question/answer facts written for this project, one fact per
 * contribution, from two contributors. Two answers are given by both contributors (under
 * different questions), so a request that quotes them splits the data share between the two.
 */
export const demoDatanetMetadata = {
  name: "Biology notes",
  description: "Short questions and answers about cells, plants and the body, one fact per contribution.",
  format: "json {question, answer}",
};

export type DemoFact = {
  /** Index into `demoKeys.contributors`. */
  contributor: 0 | 1;
  question: string;
  answer: string;
};

export const demoFacts: readonly DemoFact[] = [
  {
    contributor: 0,
    question: "Where is ATP produced?",
    answer: "ATP is produced in the mitochondria during cellular respiration.",
  },
  {
    contributor: 0,
    question: "What does photosynthesis make?",
    answer: "Photosynthesis turns light, water and carbon dioxide into glucose and oxygen.",
  },
  {
    contributor: 1,
    question: "What does the Calvin cycle produce?",
    answer: "The Calvin cycle fixes carbon dioxide into sugar using ATP and NADPH.",
  },
  {
    contributor: 1,
    question: "What do ribosomes do?",
    answer: "Ribosomes read messenger RNA and join amino acids into proteins.",
  },
  {
    contributor: 0,
    question: "Where is DNA kept in a cell?",
    answer: "In plant and animal cells the DNA is kept inside the nucleus.",
  },
  {
    contributor: 1,
    question: "What do red blood cells carry?",
    answer: "Red blood cells carry oxygen from the lungs to every tissue of the body.",
  },
  {
    contributor: 0,
    question: "Why are leaves green?",
    answer: "Leaves look green because chlorophyll absorbs red and blue light and reflects green.",
  },
  {
    contributor: 1,
    question: "What does an enzyme do?",
    answer: "An enzyme speeds up a chemical reaction without being used up by it.",
  },
  {
    contributor: 0,
    question: "What is osmosis?",
    answer: "Osmosis is water moving through a membrane toward the side with more solute.",
  },
  {
    contributor: 1,
    question: "How do bees help plants?",
    answer: "Bees carry pollen from flower to flower, so the plants can make seeds.",
  },
  {
    contributor: 0,
    question: "What is a gene?",
    answer: "A gene is a stretch of DNA that holds the recipe for one protein.",
  },
  {
    contributor: 1,
    question: "How many chambers does a human heart have?",
    answer: "The human heart has four chambers, two atria on top and two ventricles below.",
  },
  {
    contributor: 0,
    question: "What do white blood cells do?",
    answer: "White blood cells find and destroy germs that get into the body.",
  },
  {
    contributor: 1,
    question: "What do plant roots do?",
    answer: "Roots hold the plant in the soil and take up water and minerals.",
  },
  // Shared facts: the same answer from both contributors, asked in different words.
  {
    contributor: 0,
    question: "What gas do plants release?",
    answer: "Plants release oxygen into the air as a product of photosynthesis.",
  },
  {
    contributor: 1,
    question: "Which gas comes out of leaves in sunlight?",
    answer: "Plants release oxygen into the air as a product of photosynthesis.",
  },
];

/** A contribution's bytes: one JSON `{question, answer}` object, as the Model Factory reads it. */
export function factContent(fact: DemoFact): string {
  return JSON.stringify({ question: fact.question, answer: fact.answer });
}
