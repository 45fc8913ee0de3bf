"""Made-up names for demo people. Common English and Welsh-border names, chosen at random, so any
resemblance to a real pupil, parent or member of staff is chance."""

GIRLS: tuple[str, ...] = (
    "Olivia", "Amelia", "Isla", "Ava", "Ivy", "Freya", "Lily", "Florence", "Mia", "Willow",
    "Rosie", "Sophia", "Isabella", "Grace", "Daisy", "Sienna", "Poppy", "Elsie", "Emily", "Ella",
    "Evelyn", "Phoebe", "Sofia", "Evie", "Charlotte", "Harper", "Millie", "Matilda", "Ruby",
    "Alice", "Maisie", "Eliza", "Erin", "Hallie", "Layla", "Martha", "Megan", "Nia", "Seren",
    "Cerys", "Elizabeth", "Harriet", "Imogen", "Lucy", "Molly", "Ffion", "Hannah", "Beatrice",
)  # fmt: skip

BOYS: tuple[str, ...] = (
    "Oliver", "George", "Noah", "Arthur", "Leo", "Muhammad", "Harry", "Oscar", "Archie", "Henry",
    "Theodore", "Freddie", "Jack", "Charlie", "Finley", "Alfie", "Thomas", "William", "Jacob",
    "Teddy", "Isaac", "Albie", "Reggie", "Tommy", "Rory", "Alexander", "Samuel", "Joshua",
    "Edward", "Max", "Harrison", "Elliot", "Jenson", "Louie", "Dylan", "Rhys", "Owen", "Gethin",
    "Evan", "Callum", "Ethan", "Toby", "Ben", "Luca", "Sonny", "Frankie", "Felix", "Hugo",
)  # fmt: skip

SURNAMES: tuple[str, ...] = (
    "Smith", "Jones", "Williams", "Taylor", "Davies", "Evans", "Thomas", "Roberts", "Powell",
    "Price", "Morgan", "Lewis", "Hughes", "Griffiths", "Watkins", "Baker", "Bevan", "Pritchard",
    "Probert", "Preece", "Gwilliam", "Parry", "Hodges", "Bufton", "Meredith", "Vaughan", "Lloyd",
    "Phillips", "Harris", "Wilson", "Brown", "Wood", "Walker", "Wright", "Green", "Hall", "Clarke",
    "Jackson", "Turner", "Hill", "Cooper", "Ward", "Morris", "Moore", "King", "Allen", "Mason",
    "Bennett", "Carter", "Mills", "Pugh", "Jenkins", "Howells", "Gittins", "Bowen", "Nash",
    "Kowalski", "Nowak", "Ahmed", "Khan", "Patel", "Okafor", "Mensah", "Silva", "Ferreira",
    "Popescu", "Murphy", "Kelly", "Doyle", "Fraser", "Grant", "Sharma", "Chen", "Wong", "Fenn",
    "Sayce", "Jauncey", "Weaver", "Gough", "Hamer",
)  # fmt: skip

WOMEN: tuple[str, ...] = (
    "Sarah", "Emma", "Laura", "Rebecca", "Gemma", "Hayley", "Kate", "Rachel", "Charlotte",
    "Jessica", "Amy", "Claire", "Hannah", "Lauren", "Natalie", "Sophie", "Victoria", "Zoe",
    "Kerry", "Lisa", "Joanne", "Nicola", "Danielle", "Stacey", "Helen", "Lucy", "Bethan",
    "Rhian", "Agnieszka", "Fatima", "Priya", "Ama", "Ioana", "Mei", "Siobhan", "Louise",
)  # fmt: skip

MEN: tuple[str, ...] = (
    "James", "David", "Daniel", "Matthew", "Christopher", "Andrew", "Mark", "Paul", "Richard",
    "Michael", "Thomas", "Adam", "Ben", "Craig", "Lee", "Gareth", "Rhodri", "Steven", "Jamie",
    "Ryan", "Simon", "Stuart", "Tom", "Neil", "Dean", "Carl", "Owain", "Piotr", "Imran", "Raj",
    "Kwame", "Andrei", "Wei", "Sean", "Rob", "Jon",
)  # fmt: skip

# A few pupils go by a short form of their legal name; registers and letters must show both.
PREFERRED: dict[str, str] = {
    "Alexander": "Alex",
    "Charlotte": "Lottie",
    "Edward": "Ted",
    "Elizabeth": "Beth",
    "Isabella": "Bella",
    "Matilda": "Tilly",
    "Oliver": "Ollie",
    "Samuel": "Sam",
    "Theodore": "Theo",
    "Thomas": "Tom",
    "William": "Will",
}
