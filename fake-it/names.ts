/** Fictional, neutral content for the simulator: no real people, parties or places. */
export const FIRST_NAMES = [
  'Ada', 'Bram', 'Celia', 'Dario', 'Elin', 'Farid', 'Greta', 'Hugo', 'Ines', 'Jonas', 'Kira', 'Lior', 'Mara', 'Nils',
  'Odile', 'Pavel', 'Quinn', 'Rosa', 'Soren', 'Talia', 'Umar', 'Vera', 'Wren', 'Xavi', 'Yara', 'Zeno', 'Amara', 'Bodhi',
  'Clio', 'Dmitri', 'Esme', 'Florin', 'Gaia', 'Hiro', 'Isla', 'Joao', 'Kofi', 'Lena', 'Mateo', 'Noor',
] as const;

export const LAST_NAMES = [
  'Abernathy', 'Brightwater', 'Castellan', 'Duskwood', 'Everhart', 'Fairbrook', 'Greenvale', 'Hollowell', 'Ironwood',
  'Juniper', 'Kestrel', 'Larkspur', 'Meadowes', 'Northcott', 'Oakhurst', 'Pemberly', 'Quillon', 'Ravensdale', 'Stonebridge',
  'Thornfield', 'Underhill', 'Valemont', 'Westbury', 'Yarrow', 'Ashdown', 'Birchall', 'Coldwell', 'Dunmore', 'Elmsworth',
  'Foxley', 'Glenwood', 'Hartwell', 'Inglewood', 'Kingsley', 'Lockhart', 'Millbrook', 'Netherby', 'Oldfield',
] as const;

export const STREETS = [
  'Lantern', 'Willow', 'Harbor', 'Quarry', 'Orchard', 'Beacon', 'Copper', 'Maple', 'Juniper', 'Heron', 'Granite',
  'Thistle', 'Cobble', 'Meadow', 'Riverside', 'Foundry', 'Clocktower', 'Saltmarsh', 'Kiln', 'Amber',
] as const;

export const STREET_SUFFIXES = ['Street', 'Lane', 'Road', 'Avenue', 'Way', 'Court', 'Row'] as const;

export const CITIES = [
  'Port Aldmere', 'Brindlewick', 'Castlemoor', 'Dunhaven', 'Eastmarch', 'Fernhollow', 'Glimmerton', 'Highcrest',
  'Ivybridge Falls', 'Larkmoor', 'Millhaven', 'Northwold', 'Oakenshaw', 'Riverend', 'Summerfield Bay',
] as const;

export const PARTIES = ['Lantern Party', 'Harbor Alliance', 'Green Meadow League', 'Civic Union', 'Independent Circle'] as const;

export const POLLS = [
  { name: 'Transit survey 2026', question: 'Should the night bus run every 15 minutes?', answers: ['yes', 'no', 'undecided'] },
  { name: 'Library hours', question: 'Which extended opening do you prefer?', answers: ['early mornings', 'late evenings', 'sundays'] },
  { name: 'Park renovation', question: 'What should the riverside park add first?', answers: ['playground', 'benches', 'trees', 'lighting'] },
  { name: 'School calendar', question: 'Should the autumn break be two weeks?', answers: ['yes', 'no'] },
  { name: 'Market day', question: 'Which day suits the farmers market best?', answers: ['wednesday', 'saturday', 'sunday'] },
] as const;

export const ELECTIONS = ['GEN-2026', 'MUNI-2026', 'REF-2027', 'GEN-2028'] as const;

export const BALLOT_METHODS = ['in_person', 'mail', 'early'] as const;
